import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataFilter } from 'oauth-apps-api-client';
import { docsCreateBody, expectError, expectOauthApp, startServer, type TestServer } from '../helpers/server.js';

// The reference doc's lifecycle, through the typed client: create → get → list (each filter,
// alone and combined) → patch → delete.
let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe('create → get → list → patch → delete', () => {
  let id: string;
  let createdAt: string;

  it('creates an app from the docs body: 200, bare object, secret masked, health ok', async () => {
    const { data, response } = await s.client.POST('/v1/oauth-apps', { body: docsCreateBody });
    expect(response.status).toBe(200);
    expectOauthApp(data);
    expect(data).toMatchObject({
      provider: 'stripe',
      name: 'Arakkis - Stripe',
      client_id: docsCreateBody.client_id,
      client_secret: '**********',
      metadata: { custom_property: 42 },
      health: { status: 'ok', notes: [] },
    });
    expect(data!.health.time).toBe(data!.created_at);
    expect(data!.updated_at).toBe(data!.created_at);
    expect(Date.parse(data!.created_at)).toBeGreaterThan(Date.now() - 60_000);
    id = data!.id;
    createdAt = data!.created_at;
  });

  it('gets it back, bare, masked by default and in full with truncate_secrets=false', async () => {
    const masked = await s.client.GET('/v1/oauth-apps/{id}', { params: { path: { id } } });
    expect(masked.response.status).toBe(200);
    expect(masked.data).toMatchObject({ id, client_secret: '**********' });
    expect(masked.data).not.toHaveProperty('data');
    const full = await s.client.GET('/v1/oauth-apps/{id}', { params: { path: { id }, query: { truncate_secrets: false } } });
    expect(full.data!.client_secret).toBe(docsCreateBody.client_secret);
    const explicit = await s.client.GET('/v1/oauth-apps/{id}', { params: { path: { id }, query: { truncate_secrets: true } } });
    expect(explicit.data!.client_secret).toBe('**********');
  });

  it('lists with each filter alone and combined', async () => {
    await s.client.POST('/v1/oauth-apps', {
      body: { provider: 'github', client_id: 'gh-1', client_secret: 'gh-secret-1', name: 'GitHub', metadata: { team: { name: 'web', size: 3 }, tags: ['a', 'b'] } },
    });
    await s.client.POST('/v1/oauth-apps', {
      body: { provider: 'stripe', client_id: 'st-2', client_secret: 'st-secret-2', name: 'Stripe 2', metadata: { custom_property: 7 } },
    });
    const ids = async (query: Record<string, unknown>) => {
      const { data, response } = await s.client.GET('/v1/oauth-apps', { params: { query } });
      expect(response.status).toBe(200);
      return data!.data.map((a) => a.name);
    };
    expect(await ids({})).toEqual(['Arakkis - Stripe', 'GitHub', 'Stripe 2']); // oldest first
    expect(await ids({ provider: 'stripe' })).toEqual(['Arakkis - Stripe', 'Stripe 2']);
    expect(await ids({ provider: 'linear' })).toEqual([]);
    expect(await ids({ 'health.status': 'ok' })).toHaveLength(3);
    expect(await ids({ 'health.status': 'error' })).toEqual([]);
    expect(await ids({ metadata: metadataFilter({ custom_property: 42 }) })).toEqual(['Arakkis - Stripe']);
    expect(await ids({ metadata: metadataFilter({ custom_property: '42' }) })).toEqual([]); // types matter
    expect(await ids({ metadata: metadataFilter({ team: { name: 'web' } }) })).toEqual(['GitHub']); // nested
    expect(await ids({ metadata: metadataFilter({ team: {} }) })).toEqual(['GitHub']);
    expect(await ids({ metadata: metadataFilter({ tags: ['b'] }) })).toEqual(['GitHub']);
    expect(await ids({ metadata: metadataFilter({ tags: ['c'] }) })).toEqual([]);
    expect(await ids({ metadata: metadataFilter({}) })).toHaveLength(3);
    expect(await ids({ provider: 'stripe', metadata: metadataFilter({ custom_property: 7 }), 'health.status': 'ok' })).toEqual(['Stripe 2']);
    expect(await ids({ provider: 'github', metadata: metadataFilter({ custom_property: 7 }) })).toEqual([]);
  });

  it('accepts the metadata filter raw as the docs write it, and URL-encoded', async () => {
    const raw = await s.raw('/v1/oauth-apps?metadata={"custom_property":42}');
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { data: unknown[] }).data).toHaveLength(1);
    const encoded = await s.raw('/v1/oauth-apps?metadata=%7B%22custom_property%22%3A42%7D');
    expect(((await encoded.json()) as { data: unknown[] }).data).toHaveLength(1);
  });

  it('lists masked by default and in full with truncate_secrets=false', async () => {
    const masked = await s.client.GET('/v1/oauth-apps', {});
    expect(new Set(masked.data!.data.map((a) => a.client_secret))).toEqual(new Set(['**********']));
    const full = await s.client.GET('/v1/oauth-apps', { params: { query: { truncate_secrets: false } } });
    expect(full.data!.data.map((a) => a.client_secret)).toEqual([docsCreateBody.client_secret, 'gh-secret-1', 'st-secret-2']);
  });

  it('patches only the fields sent (the seed body), metadata replaced whole, updated_at moves', async () => {
    const before = (await s.client.GET('/v1/oauth-apps/{id}', { params: { path: { id }, query: { truncate_secrets: false } } })).data!;
    const { data, response } = await s.client.PATCH('/v1/oauth-apps/{id}', {
      params: { path: { id } },
      body: { name: 'My Stripe OAuth App', metadata: { other: true } },
    });
    expect(response.status).toBe(200);
    expectOauthApp(data);
    expect(data).toMatchObject({ id, name: 'My Stripe OAuth App', metadata: { other: true }, client_secret: '**********', provider: 'stripe' });
    expect(data!.metadata).not.toHaveProperty('custom_property');
    expect(data!.created_at).toBe(createdAt);
    expect(Date.parse(data!.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));

    const secret = await s.client.PATCH('/v1/oauth-apps/{id}', { params: { path: { id } }, body: { client_secret: 'rotated-secret' } });
    expect(secret.data!.name).toBe('My Stripe OAuth App');
    expect(secret.data!.client_secret).toBe('**********');
    const full = await s.client.GET('/v1/oauth-apps/{id}', { params: { path: { id }, query: { truncate_secrets: false } } });
    expect(full.data).toMatchObject({ client_secret: 'rotated-secret', metadata: { other: true }, client_id: docsCreateBody.client_id });

    // The metadata index follows the replacement.
    const { data: list } = await s.client.GET('/v1/oauth-apps', { params: { query: { metadata: metadataFilter({ custom_property: 42 }) } } });
    expect(list!.data).toEqual([]);
    const { data: list2 } = await s.client.GET('/v1/oauth-apps', { params: { query: { metadata: metadataFilter({ other: true }) } } });
    expect(list2!.data.map((a) => a.id)).toEqual([id]);
  });

  it('an empty patch changes nothing and still answers the app', async () => {
    const before = (await s.client.GET('/v1/oauth-apps/{id}', { params: { path: { id } } })).data!;
    const { data } = await s.client.PATCH('/v1/oauth-apps/{id}', { params: { path: { id } }, body: {} });
    expect({ ...data, updated_at: before.updated_at }).toEqual(before);
  });

  it('deletes: {id, deleted: true}; then get, patch and delete are 404', async () => {
    const { data, response } = await s.client.DELETE('/v1/oauth-apps/{id}', { params: { path: { id } } });
    expect(response.status).toBe(200);
    expect(data).toEqual({ id, deleted: true });
    expect((await s.client.GET('/v1/oauth-apps/{id}', { params: { path: { id } } })).response.status).toBe(404);
    expect((await s.client.PATCH('/v1/oauth-apps/{id}', { params: { path: { id } }, body: { name: 'x' } })).response.status).toBe(404);
    expect((await s.client.DELETE('/v1/oauth-apps/{id}', { params: { path: { id } } })).response.status).toBe(404);
    const { data: list } = await s.client.GET('/v1/oauth-apps', {});
    expect(list!.data.map((a) => a.id)).not.toContain(id);
  });

  it('frees the provider + client_id of a deleted app for reuse', async () => {
    const { response } = await s.client.POST('/v1/oauth-apps', { body: docsCreateBody });
    expect(response.status).toBe(200);
  });
});

describe('public endpoints', () => {
  it('serves /healthz without a token', async () => {
    const res = await s.raw('/healthz', { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('serves /readyz without a token: ready while the database answers, 503 + Retry-After once it is gone', async () => {
    const other = await startServer();
    try {
      const ready = await other.raw('/readyz', { token: null });
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ok' });
      await other.store.close(); // the database gone under a live process
      const gone = await other.raw('/readyz', { token: null });
      expect(gone.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await expectError(gone, 503)).summary).toBe('The database is unavailable; retry in a few seconds.');
      expect((await other.raw('/healthz', { token: null })).status).toBe(200); // liveness: the process answers
    } finally {
      await other.close().catch(() => undefined);
    }
  });

  it('serves the contract as YAML and JSON, and the HTML docs', async () => {
    const yaml = await s.raw('/openapi.yaml', { token: null });
    expect(yaml.headers.get('content-type')).toMatch(/yaml/);
    expect(await yaml.text()).toMatch(/^openapi: 3\.1\.0/);
    const sandbox = await s.raw('/sandbox.yaml', { token: null });
    expect(await sandbox.text()).toMatch(/title: OAuth apps sandbox controls/);
    const json = await s.raw('/openapi.json', { token: null });
    expect(((await json.json()) as { info: { title: string } }).info.title).toContain('OAuth apps');
    const docs = await s.raw('/docs', { token: null });
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);
    expect(await docs.text()).toContain('Create an OAuth app');
  });
});
