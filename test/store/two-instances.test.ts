import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestSchemas, freshDatabaseUrl, onPostgres } from '../helpers/database.js';
import { docsCreateBody, startServer, type TestServer } from '../helpers/server.js';

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
});
