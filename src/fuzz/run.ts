import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import fc from 'fast-check';
import { createConformanceChecker } from '../contract/conformance.js';
import { loadSpec } from '../spec/index.js';
import { operationsById } from '../spec/operations.js';
import { edgeRequestArbitrary, fetchArgs, requestArbitrary, SECRET_MARK, targetId, type FuzzRequest } from './requests.js';
import { validArbitrary } from './schema-arbitrary.js';

export interface FuzzOptions {
  baseUrl: string;
  token: string;
  runs: number;
  seed?: number;
  /** Log lines of the target (when it runs in-process), scanned for leaked secrets. */
  logLines?: () => string[];
}

export interface FuzzReport {
  seed: number;
  runs: number;
  requests: number;
  byExpectation: Record<string, number>;
  statuses: Record<string, number>;
  /** Property failures: each with its shrunk request and the replay seed. */
  failures: { property: string; request: string; violations: string; replay: string }[];
  secretScan: { bodies: number; logLines: number; leaks: string[] };
}

/**
 * Schemathesis-style fuzzing from the spec: valid and invalid requests generated from its
 * schemas, each response checked — no 5xx, documented status, conformant content type and
 * body, invalid input refused with a 4xx, no ignored auth, no use after delete — then every
 * response body and log line scanned for a leaked secret.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const spec = loadSpec();
  const conforms = createConformanceChecker(spec);
  const operations = operationsById(spec);
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const known: string[] = [];
  const deleted = new Set<string>();
  const scanned: string[] = [];
  const report: FuzzReport = { seed, runs: options.runs, requests: 0, byExpectation: {}, statuses: {}, failures: [], secretScan: { bodies: 0, logLines: 0, leaks: [] } };

  async function send(method: string, template: string, id: string | undefined, r: Partial<FuzzRequest>) {
    const args = fetchArgs(r, { method, template }, id, options);
    const res = r.announce === undefined ? await fetch(...args) : await announcing(args, r.announce);
    const text = await res.text();
    report.requests += 1;
    report.statuses[res.status] = (report.statuses[res.status] ?? 0) + 1;
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // left as text: the conformance check reports a non-JSON body
    }
    if (!(r.query ?? []).some(([k, v]) => k === 'truncate_secrets' && v === 'false')) scanned.push(text);
    return { status: res.status, contentType: res.headers.get('content-type'), body, path: template };
  }

  async function check(r: FuzzRequest): Promise<string[]> {
    const { method, template } = operations.get(r.operationId)!;
    const id = targetId(r, known);
    const wasDeleted = id !== undefined && deleted.has(id);
    const res = await send(method, template, id, r);
    report.byExpectation[r.expect] = (report.byExpectation[r.expect] ?? 0) + 1;
    const v: string[] = [];
    if (res.status >= 500) v.push(`server error ${res.status}`);
    v.push(...conforms({ method, path: template, status: res.status, contentType: res.contentType, body: res.body }));
    const b = res.body as { id?: string; validation_errors?: Record<string, string[]> } | undefined;
    if (r.expect === 'auth' && res.status !== 401) v.push(`${r.auth} token answered ${res.status}, expected 401`);
    if (r.expect === 'invalid' && !(res.status >= 400 && res.status < 500)) v.push(`invalid request (${r.broke}) answered ${res.status}, expected a 4xx`);
    else if (r.status !== undefined && res.status !== r.status) v.push(`invalid request (${r.broke}) answered ${res.status}, expected ${r.status}: ${JSON.stringify(res.body)}`);
    else if (r.field !== undefined && !Object.hasOwn(b?.validation_errors ?? {}, r.field)) v.push(`invalid request (${r.broke}) refused without naming ${r.field}: ${JSON.stringify(res.body)}`);
    if (r.expect === 'valid') {
      const unknownTarget = r.target !== undefined && (wasDeleted || !('known' in r.target) || known.length === 0);
      const duplicate = res.status === 422 && r.operationId === 'createOauthApp' && JSON.stringify(b?.validation_errors) === '{"client_id":["has already been taken"]}';
      if (wasDeleted && res.status !== 404) v.push(`use after delete: ${r.operationId} of deleted ${id} answered ${res.status}, expected 404`);
      else if (!(res.status === 200 || (unknownTarget && res.status === 404) || duplicate)) v.push(`valid request answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    if (res.status === 200 && r.operationId === 'createOauthApp' && b?.id) known.push(b.id);
    if (res.status === 200 && r.operationId === 'deleteOauthApp' && id) deleted.add(id);
    return v;
  }

  const property = (name: string, arbitrary: fc.Arbitrary<FuzzRequest[]>, runs: number) =>
    fc
      .check(
        fc.asyncProperty(arbitrary, async (requests) => {
          for (const r of requests) {
            const v = await check(r);
            if (v.length) throw new Error(v.join('; '));
          }
        }),
        { numRuns: runs, seed, endOnFailure: false },
      )
      .then((out) => {
        if (!out.failed) return;
        report.failures.push({
          property: name,
          // A one-request sequence is shown as that request.
          request: JSON.stringify(out.counterexample?.[0]?.length === 1 ? out.counterexample[0][0] : out.counterexample?.[0]),
          violations: String((out.errorInstance as Error | undefined)?.message ?? out.errorInstance),
          replay: `npm run fuzz -- --seed ${out.seed} --runs ${runs}  (path ${out.counterexamplePath})`,
        });
      });

  // Mixed traffic: one request per run.
  await property('every response conforms', requestArbitrary(spec).map((r) => [r]), options.runs);
  // The input classes once found answered wrongly from outside, each with its exact answer.
  await property('input found from outside is refused as documented', edgeRequestArbitrary(spec).map((r) => [r]), Math.max(50, Math.round(options.runs / 4)));
  // Use after free, on purpose: create, delete, then get / patch / delete must all be 404.
  const createBody = validArbitrary(spec, { $ref: '#/components/schemas/OauthAppCreate' }) as fc.Arbitrary<Record<string, unknown>>;
  await property(
    'no use after delete',
    createBody.map((b) => {
      const body = JSON.stringify({ ...b, client_id: `uaf-${Math.random().toString(36).slice(2)}`, client_secret: `${SECRET_MARK}00000000uaf` });
      return [
        { operationId: 'createOauthApp', expect: 'valid', body, contentType: 'application/json' } as FuzzRequest,
        { operationId: 'deleteOauthApp', expect: 'valid', target: { known: -1 } },
        { operationId: 'getOauthApp', expect: 'valid', target: { known: -1 } },
        { operationId: 'updateOauthApp', expect: 'valid', target: { known: -1 }, body: '{"name":"x"}', contentType: 'application/json' },
        { operationId: 'deleteOauthApp', expect: 'valid', target: { known: -1 } },
      ] satisfies FuzzRequest[];
    }),
    Math.max(5, Math.round(options.runs / 50)),
  );

  // No secret anywhere it was not asked for.
  const leak = new RegExp(`${SECRET_MARK}[0-9a-f]{8}`);
  const logs = options.logLines?.() ?? [];
  report.secretScan = {
    bodies: scanned.length,
    logLines: logs.length,
    leaks: [...scanned, ...logs].filter((t) => leak.test(t)).slice(0, 5),
  };
  return report;
}

export function formatFuzzReport(r: FuzzReport, target: string): string {
  const sorted = (o: Record<string, number>) => Object.entries(o).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}×${n}`).join(', ');
  const lines = [
    `Fuzzing ${target} — seed ${r.seed}, ${r.runs} runs`,
    `requests sent:  ${r.requests} (${sorted(r.byExpectation)})`,
    `statuses seen:  ${sorted(r.statuses)}`,
    `secret scan:    ${r.secretScan.bodies} response bodies, ${r.secretScan.logLines} log lines, ${r.secretScan.leaks.length} leaks`,
  ];
  for (const leak of r.secretScan.leaks) lines.push(`  LEAK: ${leak.slice(0, 200)}`);
  for (const f of r.failures) {
    lines.push(`FAILED: ${f.property}`, `  minimal request: ${f.request}`, `  violation: ${f.violations}`, `  replay: ${f.replay}`);
  }
  lines.push(`violations: ${r.failures.length + r.secretScan.leaks.length}`);
  return lines.join('\n');
}

/**
 * A request whose `Content-Length` says `announce` bytes while only its body is sent (fetch
 * refuses to send such a request; node:http sends the header as given). The answer must come
 * from the header alone, without the rest: after 3 s the request counts as unanswered.
 */
function announcing([url, init]: [URL, RequestInit], announce: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers = { ...(init.headers as Record<string, string>), 'content-length': String(announce) };
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: init.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers: res.headers as Record<string, string> })));
      res.on('error', reject);
    });
    req.setTimeout(3_000, () => req.destroy(new Error(`no answer within 3 s to a body announced as ${announce} bytes`)));
    // The server may close once it has answered; what is left unsent does not matter.
    req.on('error', reject);
    req.write(typeof init.body === 'string' ? init.body : '');
  });
}
