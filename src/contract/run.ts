import { randomBytes } from 'node:crypto';
import { createOauthAppsClient, type OauthAppsClient } from 'oauth-apps-api-client';
import { loadSpec } from '../spec/index.js';
import { operationMatcher } from '../spec/operations.js';
import { createConformanceChecker } from './conformance.js';
import { cases, type Case, type SuiteContext } from './suite.js';

export interface ContractOptions {
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
  /** Run only these cases (default: all). */
  cases?: Case[];
}

export interface CaseResult {
  name: string;
  outcome: 'passed' | 'failed' | 'skipped';
  /** Why it failed (each contract violation, naming the field) or why it was skipped. */
  details: string[];
}


// Compiled once per process: parallel runs (one per sandbox namespace) share the schemas
// instead of each compiling them again.
let compiled: ReturnType<typeof compile> | undefined;
function compile() {
  const spec = loadSpec();
  return { check: createConformanceChecker(spec), match: operationMatcher(spec) };
}

/**
 * Runs the contract suite against any server that claims to implement the spec. Every
 * response of every case is checked against the spec; stateful cases run only when the
 * target keeps what it is sent. Everything the run creates is deleted at the end.
 */
export async function runContract(options: ContractOptions): Promise<CaseResult[]> {
  const { check, match } = (compiled ??= compile());
  const baseLength = new URL(options.baseUrl).pathname.replace(/\/+$/, '').length;
  const baseFetch = options.fetch ?? fetch;
  let violations: string[] = [];
  const checkingFetch = async (req: Request): Promise<Response> => {
    const res = await baseFetch(req);
    const text = await res.clone().text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: the content-type / schema checks report it
    }
    // The spec's template for this request (the base URL may carry a path prefix of its own).
    const path = match(req.method, new URL(req.url).pathname.slice(baseLength))?.template ?? new URL(req.url).pathname;
    for (const v of check({ method: req.method, path, status: res.status, contentType: res.headers.get('content-type'), body })) {
      violations.push(`${req.method} ${path} → ${res.status}: ${v}`);
    }
    return res;
  };
  const client = (token?: string) => createOauthAppsClient({ baseUrl: options.baseUrl, token, fetch: checkingFetch });
  const api = client(options.token ?? 'contract-suite');
  const run = randomBytes(4).toString('hex');
  const toDelete = new Set<string>();
  const ctx: SuiteContext = {
    api,
    anonymous: client(undefined),
    uniqueClientId: (label) => `contract-${run}-${label}`,
    created: (app) => void (app && toDelete.add(app.id)),
  };

  const results: CaseResult[] = [];
  const statefulReason = await probeStatefulness(api, ctx);
  try {
    for (const c of options.cases ?? cases) {
      if (c.stateful && statefulReason) {
        results.push({ name: c.name, outcome: 'skipped', details: [statefulReason] });
        continue;
      }
      violations = [];
      try {
        await c.run(ctx);
      } catch (err) {
        violations.push((err as Error).message);
      }
      results.push({ name: c.name, outcome: violations.length ? 'failed' : 'passed', details: violations });
    }
  } finally {
    violations = []; // clean-up is not a case: its exchanges must not land in the last case's details
    for (const id of toDelete) await api.DELETE('/v1/oauth-apps/{id}', { params: { path: { id } } }).catch(() => undefined);
  }
  return results;
}

/** Undefined when the target is stateful; otherwise why not (used as the skip reason). */
async function probeStatefulness(api: OauthAppsClient, ctx: SuiteContext): Promise<string | undefined> {
  const name = `contract probe ${randomBytes(4).toString('hex')}`;
  const body = { provider: 'shopify' as const, client_id: ctx.uniqueClientId('probe'), client_secret: 'probe-secret', name };
  try {
    const { data } = await api.POST('/v1/oauth-apps', { body });
    if (!data) return 'target is stateless: the probe create failed';
    ctx.created(data);
    const read = await api.GET('/v1/oauth-apps/{id}', { params: { path: { id: data.id } } });
    if (read.data?.name !== name) return 'target is stateless: an app it created cannot be read back (a mock serving examples)';
    return undefined; // the probe app is deleted with everything else the run created
  } catch (err) {
    return `target is stateless: the probe failed (${(err as Error).message})`;
  }
}

/** The printed report; its last line is `N passed, N failed`. */
export function formatReport(results: CaseResult[], target: string): string {
  const lines = [`Contract suite against ${target}`, ''];
  for (const r of results) {
    const mark = { passed: '✓', failed: '✗', skipped: '-' }[r.outcome];
    lines.push(`${mark} ${r.name}${r.outcome === 'skipped' ? ` (skipped: ${r.details[0]})` : ''}`);
    if (r.outcome === 'failed') for (const d of r.details) lines.push(`    ${d}`);
  }
  const count = (o: CaseResult['outcome']) => results.filter((r) => r.outcome === o).length;
  lines.push('', `${count('skipped')} skipped`, `${count('passed')} passed, ${count('failed')} failed`);
  return lines.join('\n');
}
