import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsCreateBody, startServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe('100 concurrent PATCHes of one app', () => {
  it('end in exactly one of the bodies (never a mix), with updated_at strictly increasing', async () => {
    const { data: app } = await s.client.POST('/v1/oauth-apps', { body: docsCreateBody });
    const id = app!.id;
    const bodies = Array.from({ length: 100 }, (_, i) => ({ name: `name-${i}`, client_secret: `secret-${i}`, metadata: { i, tag: `t${i}` } }));
    const results = await Promise.all(bodies.map((body) => s.client.PATCH('/v1/oauth-apps/{id}', { params: { path: { id } }, body })));
    expect(results.map((r) => r.response.status)).toEqual(Array(100).fill(200));

    // Each response is one body, whole.
    for (const r of results) {
      const i = (r.data!.metadata as { i: number }).i;
      expect(r.data!.name).toBe(`name-${i}`);
    }
    // Commit order = updated_at order: all distinct, all after creation.
    const stamps = results.map((r) => Date.parse(r.data!.updated_at));
    expect(new Set(stamps).size).toBe(100);
    expect(Math.min(...stamps)).toBeGreaterThan(Date.parse(app!.updated_at));

    // The final state is the body with the latest updated_at, all three fields from it.
    const last = results.reduce((a, b) => (Date.parse(a.data!.updated_at) > Date.parse(b.data!.updated_at) ? a : b)).data!;
    const { data: final } = await s.client.GET('/v1/oauth-apps/{id}', { params: { path: { id }, query: { truncate_secrets: false } } });
    const i = (final!.metadata as { i: number }).i;
    expect(final).toMatchObject({ name: `name-${i}`, client_secret: `secret-${i}`, metadata: { i, tag: `t${i}` } });
    expect(final!.updated_at).toBe(last.updated_at);
    expect(final!.name).toBe(last.name);
  });
});
