import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace } from 'oauth-apps-api-client/sandbox';
import { formatReport, runContractSuite } from '../../src/contract/run.js';
import { defaultSeedFile, loadSeedFile } from '../../src/sandbox/seed.js';
import { dropTestSchemas, freshDatabaseUrl, onPostgres } from '../helpers/database.js';
import { startServer, TOKEN, type TestServer } from '../helpers/server.js';

// What a shared staging sandbox sees from CI: twenty jobs at once, each running the whole
// contract suite in a namespace of its own, seeded like the server. Every job must pass, and
// each namespace must end as it began (the suite deletes what it creates), the default
// namespace untouched. On PostgreSQL the jobs also run behind a "load balancer": every other
// request of every job goes to a second instance on the same database.
const JOBS = 20;
const seed = await loadSeedFile(defaultSeedFile);

async function runJobs(label: string, instances: TestServer[]) {
  let requests = 0;
  let turn = 0;
  // Round-robin over the instances, per request, as a load balancer would.
  const balanced = (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    requests += 1;
    const target = instances[turn++ % instances.length]!;
    const url = new URL(req.url);
    const to = new URL(target.url);
    url.host = to.host;
    return fetch(new Request(url, req));
  };
  const started = performance.now();
  const jobs = await Promise.all(
    Array.from({ length: JOBS }, async () => {
      const ns = await createNamespace({ baseUrl: instances[0]!.url, token: TOKEN });
      const run = await runContractSuite({ baseUrl: instances[0]!.url, token: ns.token, fetch: balanced });
      return { ns, run, results: run.results };
    }),
  );
  const ms = Math.round(performance.now() - started);
  const cases = jobs.reduce((n, j) => n + j.results.length, 0);
  console.log(`${label}: ${JOBS} parallel contract runs, ${cases} cases, ${requests} requests, ${ms} ms`);
  for (const { ns, run, results } of jobs) {
    expect(results.filter((r) => r.outcome !== 'passed'), formatReport(results, ns.id)).toEqual([]);
    // A namespace token may not create namespaces: each job steers the responses its cases did
    // not reach with Prefer alone, in its own namespace, and still reaches every one of them.
    expect(results.find((r) => r.name.startsWith('sandbox: '))?.name).toMatch(/^sandbox: steering in the token's own namespace, with Prefer only \(POST \/__sandbox\/namespaces answered 403/);
    for (const c of run.coverage) expect(c.documented.filter((s) => !c.exercised.has(s) && !c.steered.has(s)), c.operationId).toEqual([]);
    expect((await ns.api.GET('/v1/oauth-apps', {})).data!.data.map((a) => a.id)).toEqual(seed.map((a) => a.id));
  }
  expect(requests).toBeGreaterThan(JOBS * 20);
  await Promise.all(jobs.map((j) => j.ns.delete()));
}

describe('twenty parallel contract runs, one namespace each', () => {
  let a: TestServer;
  let b: TestServer | undefined;
  beforeAll(async () => {
    const databaseUrl = freshDatabaseUrl();
    [a, b] = await Promise.all([startServer({ databaseUrl, config: { seed } }), onPostgres ? startServer({ databaseUrl, config: { seed } }) : undefined]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await dropTestSchemas();
  });

  it('against one server: all pass, each namespace ends as it began, the default one untouched', { timeout: 300_000 }, async () => {
    const before = (await a.client.GET('/v1/oauth-apps', {})).data!.data;
    await runJobs(`one server (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, [a]);
    expect((await a.client.GET('/v1/oauth-apps', {})).data!.data).toEqual(before);
  });

  it.runIf(onPostgres)('against two instances on one PostgreSQL database, requests alternated: all pass', { timeout: 300_000 }, async () => {
    await runJobs('two instances, one PostgreSQL database', [a, b!]);
  });
});
