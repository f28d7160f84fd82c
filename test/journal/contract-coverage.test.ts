// The project's own contract suite, run in a namespace, as a consumer's test suite would be:
// the journal of that namespace then says which documented responses it reached.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { coverage, createNamespace, type SandboxNamespace } from 'oauth-apps-api-client/sandbox';
import { runContractSuite } from '../../src/contract/run.js';
import { startServer, TOKEN, type TestServer } from '../helpers/server.js';

let server: TestServer;
let ns: SandboxNamespace;
beforeAll(async () => {
  server = await startServer();
  ns = await createNamespace({ baseUrl: server.url, token: TOKEN });
});
afterAll(async () => {
  await ns?.delete();
  await server?.close();
});

it('the contract suite in a namespace: the journal shows every response the suite reached by the server’s own behaviour', async () => {
  const run = await runContractSuite({ baseUrl: server.url, token: ns.token, steer: false });
  expect(run.results.filter((r) => r.outcome === 'failed')).toEqual([]);
  const journal = await coverage(ns.sandbox);
  for (const op of run.coverage) {
    const journaled = journal.operations.find((o) => o.operation_id === op.operationId)!;
    const reached = journaled.statuses.filter((s) => s.count > 0).map((s) => String(s.status));
    // A 401 (the suite's token-refused cases) opens no namespace, so no journal holds it.
    for (const status of [...op.exercised].filter((s) => s !== '401')) expect(reached, `${op.operationId} ${status}`).toContain(status);
    expect(reached).not.toContain('401');
  }
  const exercised = run.coverage.reduce((n, op) => n + [...op.exercised].filter((s) => s !== '401').length, 0);
  expect(journal.covered).toBeGreaterThanOrEqual(exercised);
  expect(journal.requests).toBeGreaterThan(0);
  console.log(`contract suite in a namespace: ${journal.requests} journaled requests; journal coverage ${journal.covered} of ${journal.documented} (${journal.percent}%), the suite's own table ${exercised} by the server's own behaviour (401s aside)`);
});
