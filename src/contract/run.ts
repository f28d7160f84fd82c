import { randomBytes } from 'node:crypto';
import { createOauthAppsClient, type OauthAppsClient } from 'oauth-apps-api-client';
import { bundledSandboxJson } from '../paths.js';
import { loadSpec } from '../spec/index.js';
import { operationMatcher, operationsById } from '../spec/operations.js';
import { createConformanceChecker } from './conformance.js';
import { detectSandbox, exampleNames, installFault, steerableRequest, type Steering } from './steer.js';
import { CheckFailed, cases, type Case, type SuiteContext } from './suite.js';

export interface ContractOptions {
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
  /** Run only these cases (default: all). */
  cases?: Case[];
  /**
   * Reach the documented responses no case produced by steering the target, when it is a
   * sandbox (default true); false names them as not reached without asking the sandbox.
   */
  steer?: boolean;
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
  /**
   * Set on the checks of documented responses no case produced: answered by a sandbox because
   * the suite asked for them (`Prefer: code=`, a fault), or skipped as not reached. Their
   * passing says the sandbox renders the response on-contract, not that the target would
   * produce it by itself.
   */
  steered?: boolean;
}

/** Each operation of the spec, its documented statuses, and how the run reached them. */
export interface Coverage {
  operationId: string;
  documented: string[];
  /** Statuses the target answered by its own behaviour, to the suite's cases. */
  exercised: Set<string>;
  /** Statuses a sandbox answered because the suite asked (`Prefer: code=`, a fault), each checked against its schema. */
  steered: Set<string>;
}

export interface ContractRun {
  results: CaseResult[];
  coverage: Coverage[];
  /** Set when the target refused the token: every authenticated check is then meaningless. */
  tokenRefused: boolean;
}

// Compiled once per process: parallel runs (one per sandbox namespace) share the schemas
// instead of each compiling them again. The sandbox spec checks the control plane's answers.
let compiled: ReturnType<typeof compile> | undefined;
function compile() {
  const spec = loadSpec();
  const sandboxSpec = loadSpec(bundledSandboxJson);
  return {
    spec,
    operations: [...operationsById(spec).values()],
    check: createConformanceChecker(spec),
    match: operationMatcher(spec),
    sandbox: { check: createConformanceChecker(sandboxSpec), match: operationMatcher(sandboxSpec) },
  };
}

/**
 * Runs the contract suite against any server that claims to implement the spec. Every
 * response of every case is checked against the spec; stateful cases run only when the
 * target keeps what it is sent. Then each documented (operation × status) response no case
 * produced is steered, when the target is a sandbox, in a namespace of the suite's own, and
 * checked against its schema; otherwise it is named as not reached. Everything the run
 * creates is deleted at the end.
 */
export async function runContractSuite(options: ContractOptions): Promise<ContractRun> {
  const { spec, operations, check, match, sandbox } = (compiled ??= compile());
  // From the bundled spec at run time, so a status added to the spec is a row cell at once.
  const coverage: Coverage[] = operations.map((op) => ({ operationId: op.operationId, documented: op.statuses, exercised: new Set(), steered: new Set() }));
  const baseLength = new URL(options.baseUrl).pathname.replace(/\/+$/, '').length;
  const baseFetch = options.fetch ?? fetch;
  let failures: Failure[] = [];
  // Only the cases' exchanges are the target's own behaviour; the steering phase's answers
  // were asked for, and the clean-up is not a case at all.
  let phase: 'cases' | 'steering' | 'cleanup' = 'cases';
  let lastExchange: Pick<Failure, 'request' | 'response'> = {};
  /** A fetch that checks every answer against `spec` (its checker and matcher), recording failures in the current check. */
  const checkingFetch =
    (against: { check: typeof check; match: typeof match }, onAnswer?: (operationId: string, status: number) => void) =>
    async (req: Request): Promise<Response> => {
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
      const op = against.match(req.method, new URL(req.url).pathname.slice(baseLength));
      const path = op?.template ?? new URL(req.url).pathname;
      if (op) onAnswer?.(op.operationId, res.status);
      const exchange = {
        request: { method: req.method, url: req.url, body: requestBody },
        response: { status: res.status, contentType: res.headers.get('content-type'), body: text },
      };
      if (phase !== 'cleanup') {
        for (const v of against.check.violations({ method: req.method, path, status: res.status, contentType: res.headers.get('content-type'), body })) {
          failures.push({ message: `${req.method} ${path} → ${res.status}: ${v.message}`, schemaPath: v.schemaPath, ...exchange });
        }
      }
      lastExchange = exchange;
      return res;
    };
  const contractFetch = checkingFetch({ check, match }, (operationId, status) => {
    if (phase === 'cases') coverage.find((c) => c.operationId === operationId)?.exercised.add(String(status));
  });
  const sandboxFetch = checkingFetch(sandbox);
  const client = (token?: string) => createOauthAppsClient({ baseUrl: options.baseUrl, token, fetch: contractFetch });
  const api = client(options.token ?? 'contract-suite');
  const run = randomBytes(4).toString('hex');
  const toDelete = new Set<string>();
  const ctx: SuiteContext = {
    api,
    anonymous: client(undefined),
    uniqueClientId: (label) => `contract-${run}-${label}`,
    created: (app) => void (app && toDelete.add(app.id)),
  };

  /** Runs one check: its failures are the violations of its exchanges and the expectation it threw. */
  async function runCheck(name: string, body: () => Promise<void>, steered?: boolean): Promise<CaseResult> {
    failures = [];
    lastExchange = {};
    const started = performance.now();
    try {
      await body();
    } catch (err) {
      // A failed expectation: the exchange it was about is the last one the check made.
      failures.push({ message: (err as Error).message, ...lastExchange });
    }
    const durationMs = performance.now() - started;
    return { name, outcome: failures.length ? 'failed' : 'passed', details: failures.map((f) => f.message), failures, durationMs, ...(steered ? { steered } : {}) };
  }
  const skipped = (name: string, why: string, steered?: boolean): CaseResult => ({ name, outcome: 'skipped', details: [why], failures: [], durationMs: 0, ...(steered ? { steered } : {}) });

  const results: CaseResult[] = [];
  const probe = await probeStatefulness(api, ctx);
  let steering: Steering | undefined;
  try {
    for (const c of options.cases ?? cases) {
      if (c.stateful && probe.skip) results.push(skipped(c.name, probe.skip));
      else results.push(await runCheck(c.name, () => c.run(ctx)));
    }

    phase = 'steering';
    if (probe.tokenRefused) steering = { kind: 'none', why: 'the token was refused, so nothing could be steered' };
    else if (options.steer === false) steering = { kind: 'none', why: 'steering was turned off (--no-steer)' };
    else {
      let found: Steering | undefined;
      const setup = await runCheck('sandbox: the target is probed for a sandbox to steer the responses no case produced', async () => {
        found = await detectSandbox(options.baseUrl, options.token, { probeFetch: (req) => baseFetch(req), sandboxFetch });
      }, true);
      steering = found ?? { kind: 'none', why: `probing for a sandbox failed (${setup.details[0]})` };
      // The check is named after what came of it, so the report says where the steering happens.
      if (steering.kind === 'none') results.push(setup.outcome === 'failed' ? setup : skipped('sandbox: steering the responses no case produced', steering.why, true));
      else if (steering.namespace) results.push({ ...setup, name: "sandbox: steering in a namespace of the suite's own (deleted at the end), with Prefer and faults" });
      else results.push({ ...setup, name: `sandbox: steering in the token's own namespace, with Prefer only (${steering.note})` });
    }
    results.push(...(await steerUnreached(steering)));
  } finally {
    phase = 'cleanup'; // clean-up is not a check: its exchanges must not land in the last check's details
    failures = [];
    for (const id of toDelete) await api.DELETE('/v1/oauth-apps/{id}', { params: { path: { id } } }).catch(() => undefined);
    if (steering?.kind === 'sandbox' && steering.namespace) {
      const problem = await steering.namespace.remove().catch((err: Error) => err.message);
      if (problem) results.push({ name: 'sandbox: the suite deletes its namespace at the end', outcome: 'failed', details: [problem], failures: [{ message: problem }], durationMs: 0, steered: true });
    }
  }
  return { results, coverage, tokenRefused: probe.tokenRefused };

  /**
   * One check per documented (operation × status) response no case produced: steered through
   * the sandbox (every named example with `Prefer: code=, example=`, then, for an error in a
   * namespace of the suite's own, a fault for the next call) and checked against its schema,
   * or skipped with why it could not be reached.
   */
  async function steerUnreached(steering: Steering): Promise<CaseResult[]> {
    const out: CaseResult[] = [];
    for (const op of operations) {
      const row = coverage.find((c) => c.operationId === op.operationId)!;
      for (const status of op.statuses.filter((s) => !row.exercised.has(s))) {
        if (steering.kind === 'none') {
          out.push(skipped(`${op.operationId} ${status}: not reached`, `${steering.why}, and no case produced it`, true));
          continue;
        }
        const examples = exampleNames(spec, op, status);
        if (examples.length === 0) {
          out.push(skipped(`${op.operationId} ${status}: not reached`, 'the spec has no example for it, and a sandbox answers a steered response from its example', true));
          continue;
        }
        const { token, namespace } = steering;
        const withFault = namespace !== undefined && Number(status) >= 400;
        const how = [`Prefer: code=${status} with example ${examples.join(', ')}`, ...(withFault ? ['a fault for the next call'] : [])];
        const name = `${op.operationId} ${status}: steered (${how.join('; ')})`;
        const answers: number[] = [];
        const expectStatus = async (req: Request, how: string) => {
          const res = await contractFetch(req);
          // A sandbox that ignored the steering really created an app: it must not stay behind.
          if (res.ok && req.method === 'POST') ctx.created((await res.clone().json().catch(() => undefined)) as { id: string } | undefined);
          answers.push(res.status);
          if (String(res.status) !== status) throw new CheckFailed(`${how}: status ${res.status}, expected ${status}`);
        };
        const result = await runCheck(name, async () => {
          for (const example of examples) await expectStatus(steerableRequest(spec, options.baseUrl, op, token, `code=${status}, example=${example}`), `Prefer: code=${status}, example=${example}`);
          if (withFault) {
            const refused = await installFault(options.baseUrl, token, sandboxFetch, op.operationId, Number(status));
            if (refused) throw new CheckFailed(refused);
            await expectStatus(steerableRequest(spec, options.baseUrl, op, token), `a fault of status ${status} for the next call`);
          }
        }, true);
        if (answers.includes(Number(status))) row.steered.add(status);
        out.push(result);
      }
    }
    return out;
  }
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

/**
 * The printed report: a line per case, then the responses no case produced (steered through a
 * sandbox, or not reached and why), the coverage table, and last `N passed, N failed, N skipped`.
 */
export function formatReport(input: CaseResult[] | ContractRun, target: string): string {
  const { results, coverage, tokenRefused } = Array.isArray(input) ? { results: input, coverage: undefined, tokenRefused: false } : input;
  const lines = [`Contract suite against ${target}`, ''];
  if (tokenRefused) lines.push('✗ The token was refused: the target answered 401 to the probe. Pass its token with --token (or API_TOKEN).', '');
  const line = (r: CaseResult) => {
    const mark = { passed: '✓', failed: '✗', skipped: '-' }[r.outcome];
    lines.push(`${mark} ${r.name}${r.outcome === 'skipped' ? ` (skipped: ${r.details[0]})` : ''}`);
    if (r.outcome === 'failed') for (const d of r.details) lines.push(`    ${d}`);
  };
  results.filter((r) => !r.steered).forEach(line);
  const steering = results.filter((r) => r.steered);
  if (steering.length) {
    lines.push('', "Responses no case produced (a sandbox answers them because the suite asks, with Prefer: code= or a fault: not the target's own behaviour):");
    // One line per check that says something of its own; the passed and the not-reached ones, by operation.
    const byOperation = (rs: CaseResult[]) => {
      const statuses = new Map<string, string[]>();
      for (const r of rs) {
        const [op, status] = r.name.split(' ');
        statuses.set(op!, [...(statuses.get(op!) ?? []), status!.replace(/:$/, '')]);
      }
      return [...statuses].map(([op, ss]) => `${op} ${ss.join(' ')}`).join('; ');
    };
    const isResponse = (r: CaseResult) => !r.name.startsWith('sandbox:');
    steering.filter((r) => !isResponse(r) || r.outcome === 'failed').forEach(line);
    const passed = steering.filter((r) => isResponse(r) && r.outcome === 'passed');
    if (passed.length) lines.push(`✓ ${passed.length} steered, each answered as asked and on-contract: ${byOperation(passed)}`);
    const notReached = steering.filter((r) => isResponse(r) && r.outcome === 'skipped');
    // The coverage table lists them; here the reason, and which have it only when reasons differ.
    const reasons = new Set(notReached.map((r) => r.details[0]!));
    for (const why of reasons) {
      const these = notReached.filter((r) => r.details[0] === why);
      lines.push(`- ${these.length} not reached: ${why}${reasons.size > 1 ? ` (${byOperation(these)})` : ''}`);
    }
  }
  if (coverage) lines.push('', ...formatCoverage(coverage));
  const count = (o: CaseResult['outcome']) => results.filter((r) => r.outcome === o).length;
  lines.push('', `${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped`);
  return lines.join('\n');
}

/**
 * Operation × documented status: `✓` reached by the target's own behaviour, `~` steered through
 * a sandbox (answered because the suite asked), `·` not reached; then the totals, each kind
 * apart, and the list of what was not reached.
 */
export function formatCoverage(coverage: Coverage[]): string[] {
  const statuses = [...new Set(coverage.flatMap((c) => c.documented))].sort();
  const width = Math.max(...coverage.map((c) => c.operationId.length));
  const mark = (c: Coverage, s: string) => (!c.documented.includes(s) ? ' ' : c.exercised.has(s) ? '✓' : c.steered.has(s) ? '~' : '·');
  const lines = [
    "Coverage (✓ the target's own behaviour, ~ steered through the sandbox, · not reached):",
    `${''.padEnd(width)}  ${statuses.join(' ')}`,
  ];
  for (const c of coverage) lines.push(`${c.operationId.padEnd(width)}  ${statuses.map((s) => mark(c, s).padEnd(s.length)).join(' ')}`.trimEnd());
  const total = (m: string) => coverage.reduce((n, c) => n + c.documented.filter((s) => mark(c, s) === m).length, 0);
  const documented = coverage.reduce((n, c) => n + c.documented.length, 0);
  const [own, steered, missed] = [total('✓'), total('~'), total('·')];
  lines.push(`${own + steered} of ${documented} documented responses checked: ${own} by the target's own behaviour, ${steered} steered through the sandbox.`);
  if (missed) {
    const rows = coverage.filter((c) => c.documented.some((s) => mark(c, s) === '·'));
    lines.push(`Not reached (${missed}): ${rows.map((c) => `${c.operationId} ${c.documented.filter((s) => mark(c, s) === '·').join(' ')}`).join('; ')}.`);
  }
  return lines;
}
