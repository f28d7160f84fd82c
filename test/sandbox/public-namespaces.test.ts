import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSeedFile, loadSeedFile } from '../../src/sandbox/seed.js';
import { startChildServer } from '../helpers/child.js';
import { dropTestSchemas, freshDatabaseUrl, onPostgres } from '../helpers/database.js';
import { docsCreateBody, expectError, startServer, TOKEN, type TestServer } from '../helpers/server.js';

// --public-namespaces as a stranger meets it: POST /__sandbox/namespaces with no token gives a
// namespace of their own, and that namespace's token opens nothing else. Every test here tries
// to reach further than that. The expiry clock is injected.
const seed = await loadSeedFile(defaultSeedFile);
let clock = Date.now();
let open: TestServer;
let closed: TestServer;

beforeAll(async () => {
  [open, closed] = await Promise.all([
    startServer({ config: { seed, now: () => clock, publicNamespaces: { perClient: 2, max: 3 } } }),
    startServer({ config: { seed } }),
  ]);
});
afterAll(async () => {
  await Promise.all([open?.close(), closed?.close()]);
  await dropTestSchemas();
});

interface Created {
  id: string;
  token: string;
  ttl_seconds: number;
  expires_at: string;
}

/** A request from a chosen loopback address (127.0.0.x), as a different reader's would come. */
function from(address: string, server: TestServer, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const url = new URL(path, server.url);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }>((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, localAddress: address }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
const json = { 'content-type': 'application/json' };
const createPublic = (address: string, body: unknown = {}, server = open) => from(address, server, '/__sandbox/namespaces', { method: 'POST', headers: json, body: JSON.stringify(body) });
const as = (token: string | null, path: string, init: RequestInit = {}, server = open) => server.raw(path, { ...init, token, headers: { ...json, ...init.headers } });
const appIds = async (token: string) => ((await (await as(token, '/v1/oauth-apps')).json()) as { data: { id: string }[] }).data.map((a) => a.id);
const deleteAll = async () => {
  const { data } = (await (await as(TOKEN, '/__sandbox/namespaces')).json()) as { data: { id: string }[] };
  for (const ns of data) await as(TOKEN, `/__sandbox/namespaces/${ns.id}`, { method: 'DELETE' });
};

describe('without --public-namespaces (the default)', () => {
  it('creating a namespace without a token is a 401, as before', async () => {
    const res = await as(null, '/__sandbox/namespaces', { method: 'POST', body: '{}' }, closed);
    const body = await expectError(res, 401);
    expect(body.summary).toMatch(/API token/);
  });
});

describe('with --public-namespaces', () => {
  it('creates a namespace with the seed, for at most an hour unused, without a token', async () => {
    await deleteAll();
    const res = await createPublic('127.0.0.1', { ttl_seconds: 86_400 });
    expect(res.status).toBe(200);
    const ns = res.body as Created;
    expect(ns.token).toMatch(/^nst_[A-Za-z0-9_-]{43}$/);
    expect(ns.ttl_seconds).toBe(3600); // a longer TTL asked for is shortened
    expect(Date.parse(ns.expires_at) - clock).toBe(3600_000);
    expect(await appIds(ns.token)).toEqual(seed.map((a) => a.id));
    // A shorter one is kept.
    const short = await createPublic('127.0.0.1', { ttl_seconds: 60 });
    expect(short.body.ttl_seconds).toBe(60);
  });

  it('refuses a seed of its own (403): public namespaces start from the server seed', async () => {
    await deleteAll();
    const res = await createPublic('127.0.0.1', { seed: [{ provider: 'linear', client_id: 'x', client_secret: 's', name: 'Mine' }] });
    expect(res.status).toBe(403);
    expect(res.body.summary).toMatch(/server's seed/);
    expect((await as(TOKEN, '/__sandbox/namespaces').then((r) => r.json())).data).toEqual([]);
  });

  it('opens only that request: every other request without a token is a 401', async () => {
    const probes: [string, string][] = [
      ['GET', '/__sandbox/namespaces'],
      ['DELETE', '/__sandbox/namespaces/3f1c9a52-7d0e-4b8a-9c61-2e5f8d4a7b90'],
      ['POST', '/__sandbox/reset'],
      ['GET', '/__sandbox/faults'],
      ['POST', '/__sandbox/faults'],
      ['PUT', '/__sandbox/seed'],
      ['GET', '/v1/oauth-apps'],
      ['POST', '/v1/oauth-apps'],
      ['POST', '/__sandbox/namespaces/'],
    ];
    for (const [method, path] of probes) {
      const res = await as(null, path, { method, ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }) });
      expect([res.status, method, path]).toEqual([401, method, path]);
    }
    // A wrong token is not "no token": it is refused, not given a namespace.
    await expectError(await as('nst_not-a-token', '/__sandbox/namespaces', { method: 'POST', body: '{}' }), 401);
    await expectError(await as(null, '/__sandbox/namespaces', { method: 'POST', body: '{}', headers: { authorization: 'Basic eDp5' } }), 401);
  });

  it("a public namespace's token reaches neither the default namespace, nor another namespace, nor namespace management", async () => {
    await deleteAll();
    const inDefault = (await (await as(TOKEN, '/v1/oauth-apps', { method: 'POST', body: JSON.stringify({ ...docsCreateBody, client_id: 'default-only' }) })).json()) as { id: string };
    const a = (await createPublic('127.0.0.1')).body as Created;
    const b = (await createPublic('127.0.0.2')).body as Created;
    const inA = (await (await as(a.token, '/v1/oauth-apps', { method: 'POST', body: JSON.stringify({ ...docsCreateBody, client_id: 'a-only' }) })).json()) as { id: string };

    // Apps: each sees its own, by list and by ID; another's ID is a 404 like one that never existed.
    expect(await appIds(a.token)).toContain(inA.id);
    expect(await appIds(a.token)).not.toContain(inDefault.id);
    expect(await appIds(b.token)).not.toContain(inA.id);
    expect(await appIds(TOKEN)).not.toContain(inA.id);
    for (const [token, id] of [[a.token, inDefault.id], [b.token, inA.id]] as const) {
      await expectError(await as(token, `/v1/oauth-apps/${id}`), 404);
      await expectError(await as(token, `/v1/oauth-apps/${id}`, { method: 'PATCH', body: '{"name":"taken"}' }), 404);
      await expectError(await as(token, `/v1/oauth-apps/${id}`, { method: 'DELETE' }), 404);
      await expectError(await as(token, `/__sandbox/oauth-apps/${id}/health`, { method: 'PUT', body: '{"status":"error"}' }), 404);
    }

    // Namespace management: list, delete (its own or another's), create another: all 403.
    await expectError(await as(a.token, '/__sandbox/namespaces'), 403);
    await expectError(await as(a.token, `/__sandbox/namespaces/${b.id}`, { method: 'DELETE' }), 403);
    await expectError(await as(a.token, `/__sandbox/namespaces/${a.id}`, { method: 'DELETE' }), 403);
    await expectError(await as(a.token, '/__sandbox/namespaces', { method: 'POST', body: '{}' }), 403);

    // Its reset, seed and faults are its own: the default namespace and B are untouched.
    await as(a.token, '/__sandbox/faults', { method: 'POST', body: JSON.stringify({ operation_id: 'listOauthApps', status: 429 }) });
    await expectError(await as(a.token, '/v1/oauth-apps'), 429);
    expect((await as(b.token, '/v1/oauth-apps')).status).toBe(200);
    expect((await as(TOKEN, '/v1/oauth-apps')).status).toBe(200);
    expect(await (await as(TOKEN, '/__sandbox/faults')).json()).toEqual({ data: [] });
    expect(await (await as(a.token, '/__sandbox/reset', { method: 'POST' })).json()).toEqual({ apps: seed.length });
    expect(await appIds(a.token)).toEqual(seed.map((s) => s.id));
    expect(await appIds(TOKEN)).toContain(inDefault.id);
    await as(a.token, '/__sandbox/seed', { method: 'PUT', body: '[]' });
    expect(await appIds(a.token)).toEqual([]);
    expect(await appIds(b.token)).toEqual(seed.map((s) => s.id));
    expect(await appIds(TOKEN)).toContain(inDefault.id);

    // B is still alive after A tried to delete it.
    expect((await as(TOKEN, '/__sandbox/namespaces').then((r) => r.json())).data.map((ns: { id: string }) => ns.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('caps live public namespaces per client address and in all (429 + Retry-After); expiry frees places', async () => {
    await deleteAll();
    expect((await createPublic('127.0.0.1')).status).toBe(200);
    expect((await createPublic('127.0.0.1')).status).toBe(200);
    const third = await createPublic('127.0.0.1');
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBe('60');
    expect(third.body.summary).toMatch(/this address already holds 2/);
    // Another address still gets one, up to the total.
    expect((await createPublic('127.0.0.2')).status).toBe(200);
    const overTotal = await createPublic('127.0.0.3');
    expect(overTotal.status).toBe(429);
    expect(overTotal.body.summary).toMatch(/maximum of 3 live public namespaces/);
    // Namespaces made with the server's token do not count against the public caps.
    expect((await as(TOKEN, '/__sandbox/namespaces', { method: 'POST', body: '{}' })).status).toBe(200);

    // An hour unused later they are gone, and their places free.
    clock += 3600_000 + 1;
    const again = await createPublic('127.0.0.1');
    expect(again.status).toBe(200);
    expect((await createPublic('127.0.0.3')).status).toBe(200);
  });

  it('concurrent creates from one address never pass the cap', async () => {
    await deleteAll();
    const results = await Promise.all(Array.from({ length: 6 }, () => createPublic('127.0.0.4')));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 429, 429, 429, 429]);
  });

  it("an expired public namespace's token is a 401", async () => {
    await deleteAll();
    const ns = (await createPublic('127.0.0.5')).body as Created;
    expect((await as(ns.token, '/v1/oauth-apps')).status).toBe(200);
    clock += 3600_000 + 1;
    await expectError(await as(ns.token, '/v1/oauth-apps'), 401);
  });
});

// The flag and the variable as an operator sets them, on the built CLI (SQLite in memory: the
// store is not what this checks).
describe.skipIf(onPostgres)('the CLI', () => {
  const ways: [string, { extra?: string[]; env?: Record<string, string> }][] = [
    ['--public-namespaces', { extra: ['--public-namespaces'] }],
    ['PUBLIC_NAMESPACES=1', { env: { PUBLIC_NAMESPACES: '1' } }],
    ['neither', {}],
  ];
  it.each(ways)('%s', { timeout: 30_000 }, async (how, options) => {
    const child = await startChildServer({ databaseUrl: freshDatabaseUrl(), token: TOKEN, seed: true, ...options });
    try {
      const res = await fetch(`${child.url}/__sandbox/namespaces`, { method: 'POST', headers: json, body: '{}' });
      expect(res.status).toBe(how === 'neither' ? 401 : 200);
      if (how !== 'neither') {
        const ns = (await res.json()) as Created;
        expect(ns.ttl_seconds).toBe(3600);
        expect(child.output()).toContain('public namespaces: anyone may create one');
        // Its token is a namespace's: namespace management stays closed.
        expect((await fetch(`${child.url}/__sandbox/namespaces`, { headers: { authorization: `Bearer ${ns.token}` } })).status).toBe(403);
      } else expect(child.output()).not.toContain('public namespaces');
    } finally {
      child.child.kill('SIGTERM');
      await child.exited;
    }
  });
});
