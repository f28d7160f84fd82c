import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchArgs, requestArbitrary, targetId, type FuzzRequest } from '../../src/fuzz/requests.js';
import { loadSpec } from '../../src/spec/index.js';
import { operationsById } from '../../src/spec/operations.js';
import { createInProcessApi, type InProcessApi } from '../../src/testing/index.js';
import { startServer, TOKEN, type TestServer } from '../helpers/server.js';

// The same fuzzer-generated request sequences, sent to the HTTP server and to the in-process
// API, must get the same answers: status, the headers a client acts on, and the body with
// ids and timestamps aside. Both keep their data in SQLite in memory, both start empty, so a
// difference can only come from how requests reach the pipeline.
const SEQUENCES = 40;
const spec = loadSpec();
const operations = operationsById(spec);
const sequences = fc.sample(fc.array(requestArbitrary(spec), { minLength: 1, maxLength: 10 }), { numRuns: SEQUENCES, seed: 20261128 });
const HEADERS = ['content-type', 'www-authenticate', 'allow', 'retry-after'];

/** One side of the comparison: where requests go, and the ids of the apps it created, in order. */
interface Side {
  baseUrl: string;
  fetch: typeof fetch;
  known: string[];
}

async function send(side: Side, r: FuzzRequest) {
  const op = operations.get(r.operationId)!;
  const res = await side.fetch(...fetchArgs(r, op, targetId(r, side.known), { baseUrl: side.baseUrl, token: TOKEN }));
  let text = await res.text();
  const created = res.status === 200 && r.operationId === 'createOauthApp' ? (JSON.parse(text) as { id: string }).id : undefined;
  if (created) side.known.push(created);
  // Each side's own ids become their creation index; timestamps are each side's clock.
  side.known.forEach((id, i) => (text = text.replaceAll(id, `<app ${i}>`)));
  text = text.replace(/"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"/g, '"<time>"');
  return { status: res.status, headers: Object.fromEntries(HEADERS.map((h) => [h, res.headers.get(h)])), body: text };
}

describe('differential: HTTP server vs in-process API on fuzzer-generated sequences', () => {
  let server: TestServer;
  let api: InProcessApi;
  beforeAll(async () => {
    server = await startServer({ databaseUrl: 'sqlite::memory:' });
    api = await createInProcessApi({ token: TOKEN, seed: false });
  });
  afterAll(async () => {
    await api?.close();
    await server?.close();
  });

  it(`answers ${SEQUENCES} sequences identically, request by request`, { timeout: 180_000 }, async () => {
    const http: Side = { baseUrl: server.url, fetch, known: [] };
    const inProcess: Side = { baseUrl: 'http://api.test', fetch: api.fetch, known: [] };
    const statuses = new Map<number, number>();
    let requests = 0;
    for (const [n, sequence] of sequences.entries()) {
      for (const [i, r] of sequence.entries()) {
        const [viaHttp, viaInProcess] = [await send(http, r), await send(inProcess, r)];
        expect(viaInProcess, `sequence ${n}, request ${i}: ${JSON.stringify(r)}`).toEqual(viaHttp);
        statuses.set(viaHttp.status, (statuses.get(viaHttp.status) ?? 0) + 1);
        requests += 1;
      }
    }
    expect(inProcess.known.length).toBe(http.known.length);
    // The sample reached the pipeline's main outcomes, not just one of them.
    expect(requests).toBeGreaterThan(SEQUENCES * 3);
    for (const status of [200, 401, 404, 415, 422]) expect(statuses.get(status), `status ${status} in ${JSON.stringify([...statuses])}`).toBeGreaterThan(0);
    expect(http.known.length).toBeGreaterThan(5);
  });
});
