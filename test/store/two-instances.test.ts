import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOauthAppsClient } from 'oauth-apps-api-client';
import { createNamespace, createSandboxClient } from 'oauth-apps-api-client/sandbox';
import { dropTestSchemas, freshDatabaseUrl, onPostgres } from '../helpers/database.js';
import { docsCreateBody, startServer, TOKEN, type TestServer } from '../helpers/server.js';

// Several instances behind a load balancer on one PostgreSQL database.
describe.runIf(onPostgres)('two server instances on one PostgreSQL database', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    const databaseUrl = freshDatabaseUrl();
    // Started at once: the migrations must be applied exactly once.
    [a, b] = await Promise.all([startServer({ databaseUrl }), startServer({ databaseUrl })]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await dropTestSchemas();
  });

  it('a write through one is read through the other', async () => {
    const { data } = await a.client.POST('/v1/oauth-apps', { body: { ...docsCreateBody, client_id: 'cross' } });
    const read = await b.client.GET('/v1/oauth-apps/{id}', { params: { path: { id: data!.id } } });
    expect(read.data).toEqual(data);
    await b.client.PATCH('/v1/oauth-apps/{id}', { params: { path: { id: data!.id } }, body: { name: 'via b' } });
    expect((await a.client.GET('/v1/oauth-apps/{id}', { params: { path: { id: data!.id } } })).data!.name).toBe('via b');
  });

  it('50 concurrent creates of one provider + client_id across both: exactly one app, 49 × 422', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).client.POST('/v1/oauth-apps', { body: { ...docsCreateBody, client_id: 'race', name: `racer ${i}` } })),
    );
    const statuses = results.map((r) => r.response.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 422)).toHaveLength(49);
    for (const r of results.filter((x) => x.response.status === 422)) expect(r.error!.validation_errors).toEqual({ client_id: ['has already been taken'] });
    const { data } = await a.client.GET('/v1/oauth-apps', { params: { query: { provider: 'stripe' } } });
    expect(data!.data.filter((x) => x.client_id === 'race')).toHaveLength(1);
  });

  it('a fault for the next 3 calls fails exactly the next 3 of 20 requests alternated between them', async () => {
    const sandboxOf = (s: TestServer) => createSandboxClient({ baseUrl: s.url, token: TOKEN });
    const { data: fault } = await sandboxOf(a).POST('/__sandbox/faults', { body: { operation_id: 'listOauthApps', status: 500, remaining: 3 } });
    expect((await sandboxOf(b).GET('/__sandbox/faults')).data!.data).toEqual([fault]);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await (i % 2 ? b : a).client.GET('/v1/oauth-apps', {})).response.status);
    expect(statuses).toEqual([500, 500, 500, ...Array(17).fill(200)]);
    expect((await sandboxOf(a).GET('/__sandbox/faults')).data!.data).toEqual([]);
  });

  it('concurrent calls through both share one count: remaining 5 fails exactly 5 of 40', async () => {
    await createSandboxClient({ baseUrl: b.url, token: TOKEN }).POST('/__sandbox/faults', { body: { status: 500, remaining: 5 } });
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).client.GET('/v1/oauth-apps', {}).then((r) => r.response.status)));
    expect(statuses.filter((s) => s === 500)).toHaveLength(5);
    expect(statuses.filter((s) => s === 200)).toHaveLength(35);
  });

  it('a fault removed through one stops at once on the other; namespaces are shared too', async () => {
    const { data: fault } = await createSandboxClient({ baseUrl: b.url, token: TOKEN }).POST('/__sandbox/faults', { body: { operation_id: 'getOauthApp', status: 500 } });
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await a.client.GET('/v1/oauth-apps/{id}', { params: { path: { id: missing } } })).response.status).toBe(500);
    await createSandboxClient({ baseUrl: a.url, token: TOKEN }).DELETE('/__sandbox/faults/{fault_id}', { params: { path: { fault_id: fault!.id } } });
    expect((await b.client.GET('/v1/oauth-apps/{id}', { params: { path: { id: missing } } })).response.status).toBe(404);

    const ns = await createNamespace({ baseUrl: a.url, token: TOKEN, seed: false });
    const viaB = createOauthAppsClient({ baseUrl: b.url, token: ns.token });
    const { data: app } = await ns.api.POST('/v1/oauth-apps', { body: { ...docsCreateBody, client_id: 'ns-across' } });
    expect((await viaB.GET('/v1/oauth-apps/{id}', { params: { path: { id: app!.id } } })).data).toEqual(app);
    await createSandboxClient({ baseUrl: b.url, token: TOKEN }).DELETE('/__sandbox/namespaces/{namespace_id}', { params: { path: { namespace_id: ns.id } } });
    expect((await ns.api.GET('/v1/oauth-apps', {})).response.status).toBe(401);
  });
});
