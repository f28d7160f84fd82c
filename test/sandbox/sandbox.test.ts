import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOauthAppsClient } from 'oauth-apps-api-client';
import { createSandboxClient, type SeedApp } from 'oauth-apps-api-client/sandbox';
import { loadSeedFile, defaultSeedFile } from '../../src/sandbox/seed.js';
import { serve, type RunningServer } from '../../src/app/serve.js';
import { createLogger } from '../../src/http/logger.js';
import { dropTestSchemas, freshDatabaseUrl } from '../helpers/database.js';
import { docsCreateBody, expectError, TOKEN } from '../helpers/server.js';

// A frontend test's view: everything through the two typed clients.
const seed: SeedApp[] = await loadSeedFile(defaultSeedFile);
let server: RunningServer;
let api: ReturnType<typeof createOauthAppsClient>;
let sandbox: ReturnType<typeof createSandboxClient>;

beforeAll(async () => {
  server = await serve({ port: 0, host: '127.0.0.1', token: TOKEN, databaseUrl: freshDatabaseUrl(), seed, logger: createLogger({ level: 'silent', destination: { write: () => undefined } }) });
  api = createOauthAppsClient({ baseUrl: server.url, token: TOKEN });
  sandbox = createSandboxClient({ baseUrl: server.url, token: TOKEN });
});
afterAll(async () => {
  await server.close();
  await dropTestSchemas();
});
beforeEach(async () => {
  await sandbox.POST('/__sandbox/reset');
});

describe('seed data and reset', () => {
  it('starts with the bundled fixture', async () => {
    expect(server.seeded).toBe(seed.length);
    const { data } = await api.GET('/v1/oauth-apps', {});
    expect(data!.data.map((a) => a.id)).toEqual(seed.map((a) => a.id));
    expect(new Set(data!.data.map((a) => a.provider)).size).toBeGreaterThanOrEqual(4);
  });

  it('reset brings back the seed state: created apps gone, changed apps restored, faults cleared', async () => {
    await api.POST('/v1/oauth-apps', { body: docsCreateBody });
    await api.PATCH('/v1/oauth-apps/{id}', { params: { path: { id: seed[0]!.id! } }, body: { name: 'changed' } });
    await api.DELETE('/v1/oauth-apps/{id}', { params: { path: { id: seed[1]!.id! } } });
    await sandbox.POST('/__sandbox/faults', { body: { delay_ms: 1 } });
    const { data, response } = await sandbox.POST('/__sandbox/reset');
    expect(response.status).toBe(200);
    expect(data).toEqual({ apps: seed.length });
    const apps = (await api.GET('/v1/oauth-apps', {})).data!.data;
    expect(apps.map((a) => a.id)).toEqual(seed.map((a) => a.id));
    expect(apps[0]!.name).toBe(seed[0]!.name);
    expect((await sandbox.GET('/__sandbox/faults')).data!.data).toEqual([]);
  });

  it('a test suite can bring its own seed', async () => {
    const mine: SeedApp[] = [{ provider: 'linear', client_id: 'lin-1', client_secret: 'lin-secret', name: 'Linear' }];
    expect((await sandbox.PUT('/__sandbox/seed', { body: mine })).data).toEqual({ apps: 1 });
    expect((await api.GET('/v1/oauth-apps', {})).data!.data.map((a) => a.name)).toEqual(['Linear']);
    await sandbox.POST('/__sandbox/reset');
    expect((await api.GET('/v1/oauth-apps', {})).data!.data.map((a) => a.name)).toEqual(['Linear']);
    await sandbox.PUT('/__sandbox/seed', { body: seed }); // put the default back for the other cases
  });

  it('refuses a seed with duplicates or invalid apps, keeping the data', async () => {
    const dup = await sandbox.PUT('/__sandbox/seed', { body: [seed[0]!, { ...seed[0]!, id: undefined }] });
    expect(dup.response.status).toBe(422);
    expect(dup.error!.validation_errors!.body![0]).toMatch(/repeats the provider \+ client_id/);
    const bad = await sandbox.PUT('/__sandbox/seed', { body: [{ provider: 'myspace' } as unknown as SeedApp] });
    expect(bad.response.status).toBe(422);
    // The API's limits hold for seeds too: a create could not store this metadata.
    const big = await sandbox.PUT('/__sandbox/seed', { body: [{ ...seed[0]!, metadata: { blob: 'x'.repeat(16 * 1024) } }] });
    expect(big.response.status).toBe(422);
    expect(big.error!.validation_errors!.body![0]).toMatch(/app #0 metadata must serialise to at most 16384 bytes/);
    expect((await api.GET('/v1/oauth-apps', {})).data!.data).toHaveLength(seed.length);
  });
});

describe('health', () => {
  it('sets an app to error with a note, visible to get and to the health.status filter', async () => {
    const id = seed[0]!.id!;
    const { data, response } = await sandbox.PUT('/__sandbox/oauth-apps/{id}/health', {
      params: { path: { id } },
      body: { status: 'error', notes: ['The provider refused the client credentials.'] },
    });
    expect(response.status).toBe(200);
    expect(data!.client_secret).toBe('**********');
    const got = (await api.GET('/v1/oauth-apps/{id}', { params: { path: { id } } })).data!;
    expect(got.health).toMatchObject({ status: 'error', notes: ['The provider refused the client credentials.'] });
    expect(Date.parse(got.health.time)).toBeGreaterThan(Date.now() - 60_000);
    const errored = (await api.GET('/v1/oauth-apps', { params: { query: { 'health.status': 'error' } } })).data!.data.map((a) => a.id);
    expect(errored).toContain(id);
  });

  it('404 for an unknown app, 422 for an unknown status', async () => {
    const missing = await sandbox.PUT('/__sandbox/oauth-apps/{id}/health', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } }, body: { status: 'ok' } });
    expect(missing.response.status).toBe(404);
    const bad = await sandbox.PUT('/__sandbox/oauth-apps/{id}/health', { params: { path: { id: seed[0]!.id! } }, body: { status: 'sick' as 'ok' } });
    expect(bad.response.status).toBe(422);
    expect(bad.error!.validation_errors).toHaveProperty('status');
  });
});

describe('faults', () => {
  it('forces a 429 on the next list call only, with the API error body and Retry-After', async () => {
    const { data: fault } = await sandbox.POST('/__sandbox/faults', { body: { operation_id: 'listOauthApps', status: 429, remaining: 1 } });
    expect(fault).toMatchObject({ operation_id: 'listOauthApps', status: 429, remaining: 1 });
    expect((await sandbox.GET('/__sandbox/faults')).data!.data).toHaveLength(1);
    expect((await api.GET('/v1/oauth-apps/{id}', { params: { path: { id: seed[0]!.id! } } })).response.status).toBe(200); // other operations untouched
    const limited = await api.GET('/v1/oauth-apps', {});
    expect(limited.response.status).toBe(429);
    expect(limited.response.headers.get('retry-after')).toBe('1');
    expect(limited.error).toEqual({ summary: expect.stringMatching(/Too many requests/) });
    expect((await api.GET('/v1/oauth-apps', {})).response.status).toBe(200);
    expect((await sandbox.GET('/__sandbox/faults')).data!.data).toEqual([]);
  });

  it('applies to every operation when operation_id is omitted, until removed', async () => {
    const { data: fault } = await sandbox.POST('/__sandbox/faults', { body: { status: 500 } });
    expect((await api.GET('/v1/oauth-apps', {})).response.status).toBe(500);
    await expectError(await fetch(`${server.url}/v1/oauth-apps`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}' }), 500);
    expect((await sandbox.DELETE('/__sandbox/faults/{fault_id}', { params: { path: { fault_id: fault!.id } } })).data).toEqual({ deleted: 1 });
    expect((await api.GET('/v1/oauth-apps', {})).response.status).toBe(200);
  });

  it('adds latency', async () => {
    await sandbox.POST('/__sandbox/faults', { body: { operation_id: 'getOauthApp', delay_ms: 300 } });
    const start = performance.now();
    const { response } = await api.GET('/v1/oauth-apps/{id}', { params: { path: { id: seed[0]!.id! } } });
    expect(response.status).toBe(200);
    expect(performance.now() - start).toBeGreaterThanOrEqual(290);
  });

  it('a probability picks some calls, not all', async () => {
    await sandbox.POST('/__sandbox/faults', { body: { operation_id: 'listOauthApps', status: 504, probability: 0.5 } });
    const statuses = new Set<number>();
    for (let i = 0; i < 60; i++) statuses.add((await api.GET('/v1/oauth-apps', {})).response.status);
    expect([...statuses].sort()).toEqual([200, 504]);
  });

  it('refuses an undocumented status, and a fault with neither status nor delay', async () => {
    const undocumented = await sandbox.POST('/__sandbox/faults', { body: { operation_id: 'listOauthApps', status: 404 } });
    expect(undocumented.response.status).toBe(422);
    expect(undocumented.error!.validation_errors!.status![0]).toMatch(/not documented for listOauthApps/);
    expect((await sandbox.POST('/__sandbox/faults', { body: {} })).response.status).toBe(422);
    expect((await sandbox.DELETE('/__sandbox/faults')).data).toEqual({ deleted: 0 });
  });
});

describe('Prefer header', () => {
  const get = (prefer: string) => createOauthAppsClient({ baseUrl: server.url, token: TOKEN, headers: { Prefer: prefer } });

  it('code=404 answers the documented 404 with the spec example', async () => {
    const { response, error } = await get('code=404').GET('/v1/oauth-apps/{id}', { params: { path: { id: seed[0]!.id! } } });
    expect(response.status).toBe(404);
    expect(error!.summary).toMatch(/^Not found/);
  });

  it('code=503 answers the database-unavailable response, with Retry-After, on every operation', async () => {
    const id = seed[0]!.id!;
    const calls = [
      get('code=503').GET('/v1/oauth-apps', {}),
      get('code=503').POST('/v1/oauth-apps', { body: docsCreateBody }),
      get('code=503').GET('/v1/oauth-apps/{id}', { params: { path: { id } } }),
      get('code=503').PATCH('/v1/oauth-apps/{id}', { params: { path: { id } }, body: { name: 'x' } }),
      get('code=503').DELETE('/v1/oauth-apps/{id}', { params: { path: { id } } }),
    ];
    for (const { response, error } of await Promise.all(calls)) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(error).toEqual({ summary: 'The database is unavailable; retry in a few seconds.' });
    }
  });

  it('code=422 with example= picks a named example', async () => {
    const { response, error } = await get('code=422, example=ErrorDuplicateClientId').POST('/v1/oauth-apps', { body: docsCreateBody });
    expect(response.status).toBe(422);
    expect(error!.validation_errors).toEqual({ client_id: ['has already been taken'] });
    expect((await api.GET('/v1/oauth-apps', {})).data!.data).toHaveLength(seed.length); // nothing was created
  });

  it('code=200 is the real, stateful answer', async () => {
    const { data } = await get('code=200').GET('/v1/oauth-apps/{id}', { params: { path: { id: seed[2]!.id! } } });
    expect(data!.name).toBe(seed[2]!.name);
  });

  it('delay=300 adds latency', async () => {
    const start = performance.now();
    await get('delay=300').GET('/v1/oauth-apps', {});
    expect(performance.now() - start).toBeGreaterThanOrEqual(290);
  });

  it.each(['code=418', 'code=abc', 'delay=-5', 'delay=999999', 'code=404, example=NoSuchExample'])('refuses %s with a 422 on Prefer', async (prefer) => {
    const res = await fetch(`${server.url}/v1/oauth-apps/${seed[0]!.id}`, { headers: { authorization: `Bearer ${TOKEN}`, prefer } });
    const body = await expectError(res, 422);
    expect(body.validation_errors).toHaveProperty('Prefer');
  });

  it('still needs a valid token', async () => {
    const res = await fetch(`${server.url}/v1/oauth-apps`, { headers: { prefer: 'code=500' } });
    await expectError(res, 401);
  });
});

describe('control plane protection', () => {
  it('needs the token', async () => {
    await expectError(await fetch(`${server.url}/__sandbox/reset`, { method: 'POST' }), 401);
  });

  it('is absent with the sandbox off, and Prefer is then ignored', async () => {
    const plain = await serve({ port: 0, host: '127.0.0.1', token: TOKEN, databaseUrl: freshDatabaseUrl(), sandbox: false, logger: createLogger({ level: 'silent', destination: { write: () => undefined } }) });
    try {
      await expectError(await fetch(`${plain.url}/__sandbox/reset`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } }), 404);
      const res = await fetch(`${plain.url}/v1/oauth-apps`, { headers: { authorization: `Bearer ${TOKEN}`, prefer: 'code=500' } });
      expect(res.status).toBe(200);
    } finally {
      await plain.close();
    }
  });
});
