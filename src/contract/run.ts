import { randomBytes } from 'node:crypto';
import { createOauthAppsClient, type OauthAppsClient } from 'oauth-apps-api-client';
import { loadSpec } from '../spec/index.js';
import { operationMatcher, operationsById } from '../spec/operations.js';
import { createConformanceChecker } from './conformance.js';
import { cases, type Case, type SuiteContext } from './suite.js';

export interface ContractOptions {
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
  /** Run only these cases (default: all). */
  cases?: Case[];
}

/** One failed check, with what a CI reader needs to see why: the exchange and the spec location. */
export interface Failure {
  message: string;
  /** The request that got the offending response (absent for a check on the suite's own logic). */
  request?: { method: string; url: string; body?: string };
  response?: { status: number; contentType: string | null; body: string };
  /** JSON Pointer into the bundled spec of the rule the response broke. */
  schemaPath?: string;
}

export interface CaseResult {
  name: string;
  outcome: 'passed' | 'failed' | 'skipped';
  /** Why it failed (each contract violation, naming the field) or why it was skipped. */
  details: string[];
  /** The failures in full (same order as details). */
  failures: Failure[];
  durationMs: number;
}

/** Each operation of the spec, its documented statuses, and the statuses the run saw. */
export interface Coverage {
  operationId: string;
  documented: string[];
  exercised: Set<string>;
}

export interface ContractRun {
  results: CaseResult[];
  coverage: Coverage[];
  /** Set when the target refused the token: every authenticated check is then meaningless. */
  tokenRefused: boolean;
}

// Compiled once per process: parallel runs (one per sandbox namespace) share the schemas
// instead of each compiling them again.
let compiled: ReturnType<typeof compile> | undefined;
function compile() {
  const spec = loadSpec();
  return { spec, check: createConformanceChecker(spec), match: operationMatcher(spec) };
}

/**
 * Runs the contract suite against any server that claims to implement the spec. Every
 * response of every case is checked against the spec; stateful cases run only when the
 * target keeps what it is sent. Everything the run creates is deleted at the end.
 */
export async function runContractSuite(options: ContractOptions): Promise<ContractRun> {
  const { spec, check, match } = (compiled ??= compile());
  const coverage = [...operationsById(spec).values()].map((op) => ({ operationId: op.operationId, documented: op.statuses, exercised: new Set<string>() }));
  const baseLength = new URL(options.baseUrl).pathname.replace(/\/+$/, '').length;
  const baseFetch = options.fetch ?? fetch;
  let failures: Failure[] = [];
  let recording = true;
  const checkingFetch = async (req: Request): Promise<Response> => {
    const requestBody = req.body ? await req.clone().text() : undefined;
    const res = await baseFetch(req);
    const text = await res.clone().text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: the content-type / schema checks report it
    }
    // The spec's template for this request (the base URL may carry a path prefix of its own).
    const op = match(req.method, new URL(req.url).pathname.slice(baseLength));
    const path = op?.template ?? new URL(req.url).pathname;
    if (op && recording) coverage.find((c) => c.operationId === op.operationId)?.exercised.add(String(res.status));
    const exchange = {
      request: { method: req.method, url: req.url, body: requestBody },
      response: { status: res.status, contentType: res.headers.get('content-type'), body: text },
    };
    for (const v of check.violations({ method: req.method, path, status: res.status, contentType: res.headers.get('content-type'), body })) {
      failures.push({ message: `${req.method} ${path} → ${res.status}: ${v.message}`, schemaPath: v.schemaPath, ...exchange });
    }
    lastExchange = exchange;
    return res;
  };
  let lastExchange: Pick<Failure, 'request' | 'response'> = {};
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
  const probe = await probeStatefulness(api, ctx);
  try {
    for (const c of options.cases ?? cases) {
      if (c.stateful && probe.skip) {
        results.push({ name: c.name, outcome: 'skipped', details: [probe.skip], failures: [], durationMs: 0 });
        continue;
      }
      failures = [];
      lastExchange = {};
      const started = performance.now();
      try {
        await c.run(ctx);
      } catch (err) {
        // A failed expectation: the exchange it was about is the last one the case made.
        failures.push({ message: (err as Error).message, ...lastExchange });
      }
      const durationMs = performance.now() - started;
      results.push({ name: c.name, outcome: failures.length ? 'failed' : 'passed', details: failures.map((f) => f.message), failures, durationMs });
    }
  } finally {
    recording = false; // clean-up is not a case: its exchanges must not land in the last case's details
    failures = [];
    for (const id of toDelete) await api.DELETE('/v1/oauth-apps/{id}', { params: { path: { id } } }).catch(() => undefined);
  }
  return { results, coverage, tokenRefused: probe.tokenRefused };
}

/** The results alone (the form earlier versions returned). */
export async function runContract(options: ContractOptions): Promise<CaseResult[]> {
  return (await runContractSuite(options)).results;
}

/** Whether stateful cases can run; otherwise why not (used as the skip reason). */
async function probeStatefulness(api: OauthAppsClient, ctx: SuiteContext): Promise<{ skip?: string; tokenRefused: boolean }> {
  const name = `contract probe ${randomBytes(4).toString('hex')}`;
  const body = { provider: 'shopify' as const, client_id: ctx.uniqueClientId('probe'), client_secret: 'probe-secret', name };
  try {
    const { data, response } = await api.POST('/v1/oauth-apps', { body });
    if (response.status === 401) return { skip: 'the token was refused (401 on the probe create): pass the target\'s token with --token or API_TOKEN', tokenRefused: true };
    if (!data) return { skip: `target is stateless: the probe create answered ${response.status}`, tokenRefused: false };
    ctx.created(data);
    const read = await api.GET('/v1/oauth-apps/{id}', { params: { path: { id: data.id } } });
    if (read.data?.name !== name) return { skip: 'target is stateless: an app it created cannot be read back (a mock serving examples)', tokenRefused: false };
    return { tokenRefused: false }; // the probe app is deleted with everything else the run created
  } catch (err) {
    return { skip: `target is stateless: the probe failed (${(err as Error).message})`, tokenRefused: false };
  }
}

/** The printed report: a line per case, the coverage table, and last `N passed, N failed, N skipped`. */
export function formatReport(input: CaseResult[] | ContractRun, target: string): string {
  const { results, coverage, tokenRefused } = Array.isArray(input) ? { results: input, coverage: undefined, tokenRefused: false } : input;
  const lines = [`Contract suite against ${target}`, ''];
  if (tokenRefused) lines.push('✗ The token was refused: the target answered 401 to the probe. Pass its token with --token (or API_TOKEN).', '');
  for (const r of results) {
    const mark = { passed: '✓', failed: '✗', skipped: '-' }[r.outcome];
    lines.push(`${mark} ${r.name}${r.outcome === 'skipped' ? ` (skipped: ${r.details[0]})` : ''}`);
    if (r.outcome === 'failed') for (const d of r.details) lines.push(`    ${d}`);
  }
  if (coverage) lines.push('', ...formatCoverage(coverage));
  const count = (o: CaseResult['outcome']) => results.filter((r) => r.outcome === o).length;
  lines.push('', `${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped`);
  return lines.join('\n');
}

/** Operation × documented status: `✓` exercised by this run, `·` documented but not exercised. */
export function formatCoverage(coverage: Coverage[]): string[] {
  const statuses = [...new Set(coverage.flatMap((c) => c.documented))].sort();
  const width = Math.max(...coverage.map((c) => c.operationId.length));
  const lines = [`Coverage (✓ exercised, · documented but not exercised):`, `${''.padEnd(width)}  ${statuses.join(' ')}`];
  for (const c of coverage) {
    const cells = statuses.map((s) => (c.documented.includes(s) ? (c.exercised.has(s) ? '✓' : '·') : ' ').padEnd(s.length));
    lines.push(`${c.operationId.padEnd(width)}  ${cells.join(' ')}`);
  }
  const documented = coverage.reduce((n, c) => n + c.documented.length, 0);
  const exercised = coverage.reduce((n, c) => n + c.documented.filter((s) => c.exercised.has(s)).length, 0);
  lines.push(`${exercised} of ${documented} documented responses exercised.`);
  return lines;
}
