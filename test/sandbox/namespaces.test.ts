import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, createSandboxClient, type SandboxNamespace } from 'oauth-apps-api-client/sandbox';
import { createInProcessApi } from '../../src/testing/index.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { defaultSeedFile, loadSeedFile } from '../../src/sandbox/seed.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { DEFAULT_NAMESPACE } from '../../src/store/types.js';
import { dropTestSchemas, onPostgres, pgTestUrl } from '../helpers/database.js';
import { docsCreateBody, expectError, startServer, TOKEN, type TestServer } from '../helpers/server.js';

// Namespaces as a CI job meets them: through the typed clients, with the server's token for
// creating one and the namespace's token for everything else. The expiry clock is injected.
const seed = await loadSeedFile(defaultSeedFile);
let clock = Date.now();
let server: TestServer;
let admin: ReturnType<typeof createSandboxClient>;
const tokens: string[] = [];
const open = async (options: Omit<Parameters<typeof createNamespace>[0], 'baseUrl' | 'token'> = {}): Promise<SandboxNamespace> => {
  const ns = await createNamespace({ baseUrl: server.url, token: TOKEN, ...options });
  tokens.push(ns.token);
  return ns;
};
const headerNames = (res: Response) => {
  const names: string[] = [];
  res.headers.forEach((_, name) => names.push(name));
  return names.sort();
};
const raw = (path: string, token: string, init: RequestInit = {}) =>
  server.raw(path, { ...init, token, headers: { 'content-type': 'application/json', ...init.headers } });

beforeAll(async () => {
  server = await startServer({ config: { seed, now: () => clock } });
  admin = createSandboxClient({ baseUrl: server.url, token: TOKEN });
});
afterAll(async () => {
  await server.close();
  await dropTestSchemas();
});

describe('creating a namespace', () => {
  it('answers id, token and expiry; starts with the server seed, none, or its own', async () => {
    const withSeed = await open();
    expect(withSeed.id).toMatch(/^[0-9a-f-]{36}$/);
    // 32 random bytes in base64url: 256 bits.
    expect(withSeed.token).toMatch(/^nst_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(withSeed.expiresAt) - clock).toBe(24 * 3600 * 1000);
    expect((await withSeed.api.GET('/v1/oauth-apps', {})).data!.data.map((a) => a.id)).toEqual(seed.map((a) => a.id));

    const empty = await open({ seed: false, ttlSeconds: 60 });
    expect(Date.parse(empty.expiresAt) - clock).toBe(60_000);
    expect((await empty.api.GET('/v1/oauth-apps', {})).data!.data).toEqual([]);

    const own = await open({ seed: [{ provider: 'linear', client_id: 'lin', client_secret: 's', name: 'Own seed' }] });
    expect((await own.api.GET('/v1/oauth-apps', {})).data!.data.map((a) => a.name)).toEqual(['Own seed']);
    await own.sandbox.POST('/__sandbox/reset');
    expect((await own.api.GET('/v1/oauth-apps', {})).data!.data.map((a) => a.name)).toEqual(['Own seed']);
  });

  it('refuses a bad seed or TTL with a 422 and creates nothing', async () => {
    const before = (await admin.GET('/__sandbox/namespaces')).data!.data.length;
    const dup = await admin.POST('/__sandbox/namespaces', { body: { seed: [seed[0]!, { ...seed[0]!, id: undefined }] } });
    expect(dup.response.status).toBe(422);
    expect(dup.error!.validation_errors!.seed![0]).toMatch(/repeats the provider \+ client_id/);
    expect((await admin.POST('/__sandbox/namespaces', { body: { ttl_seconds: 0 } })).response.status).toBe(422);
    expect((await admin.POST('/__sandbox/namespaces', { body: { seed: true as unknown as false } })).response.status).toBe(422);
    expect((await admin.GET('/__sandbox/namespaces')).data!.data).toHaveLength(before);
  });

  it('a seed that fails to load (the store refusing an app) leaves no namespace behind', async () => {
    class FailingStore extends SqliteStore {
      override inNamespace(id: string) {
        const view = super.inNamespace(id);
        if (id !== DEFAULT_NAMESPACE) view.create = () => Promise.reject(new Error('the database went away'));
        return view;
      }
    }
    const store = new FailingStore(':memory:');
    const sandbox = new Sandbox(store, { maxNamespaces: 1 });
    try {
      await expect(sandbox.createNamespace({ seed: [docsCreateBody] })).rejects.toThrow('the database went away');
      expect(await sandbox.namespaces.list()).toEqual([]);
      // Its place under the cap (1) is free again.
      await expect(sandbox.createNamespace({ seed: [] })).resolves.toHaveProperty('token');
    } finally {
      await store.close();
    }
  });

  it('takes no body at all', async () => {
    const res = await server.raw('/__sandbox/namespaces', { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string };
    tokens.push(body.token);
  });
});

describe('isolation', () => {
  it('apps, and provider + client_id uniqueness, are per namespace', async () => {
    const [a, b] = await Promise.all([open({ seed: false }), open({ seed: false })]);
    const body = { ...docsCreateBody, client_id: 'per-namespace' };
    const inA = (await a.api.POST('/v1/oauth-apps', { body })).data!;
    // The same provider + client_id in another namespace (and in the default one) is no clash.
    expect((await b.api.POST('/v1/oauth-apps', { body })).response.status).toBe(200);
    expect((await server.client.POST('/v1/oauth-apps', { body })).response.status).toBe(200);
    const again = await a.api.POST('/v1/oauth-apps', { body });
    expect(again.response.status).toBe(422);
    expect((await a.api.GET('/v1/oauth-apps', {})).data!.data.map((x) => x.id)).toEqual([inA.id]);
    expect((await b.api.GET('/v1/oauth-apps', {})).data!.data.map((x) => x.id)).not.toContain(inA.id);
    expect((await server.client.GET('/v1/oauth-apps', {})).data!.data.map((x) => x.id)).not.toContain(inA.id);
  });

  it("another namespace's app id is a 404 exactly like an id that never existed", async () => {
    const [a, b] = await Promise.all([open({ seed: false }), open({ seed: false })]);
    const app = (await a.api.POST('/v1/oauth-apps', { body: docsCreateBody })).data!;
    const never = '00000000-0000-4000-8000-000000000000';
    const attempts = (id: string) =>
      [
        raw(`/v1/oauth-apps/${id}`, b.token),
        raw(`/v1/oauth-apps/${id}`, b.token, { method: 'PATCH', body: '{"name":"stolen"}' }),
        raw(`/v1/oauth-apps/${id}`, b.token, { method: 'DELETE' }),
        raw(`/__sandbox/oauth-apps/${id}/health`, b.token, { method: 'PUT', body: '{"status":"error"}' }),
        raw(`/v1/oauth-apps/${id}`, TOKEN), // the server's token is the default namespace, not a master key
      ] as const;
    const cross = await Promise.all(attempts(app.id));
    const unknown = await Promise.all(attempts(never));
    for (const [i, res] of cross.entries()) {
      const body = await expectError(res, 404);
      const reference = await expectError(unknown[i]!, 404);
      expect(body.summary.replace(app.id, '<id>')).toBe(reference.summary.replace(never, '<id>'));
      expect(headerNames(res)).toEqual(headerNames(unknown[i]!));
    }
    const still = (await a.api.GET('/v1/oauth-apps/{id}', { params: { path: { id: app.id } } })).data!;
    expect(still).toEqual(app);
  });

  it('reset, seed, faults and health settings stay in their namespace', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const id = seed[0]!.id!;
    await b.sandbox.PUT('/__sandbox/oauth-apps/{id}/health', { params: { path: { id } }, body: { status: 'error', notes: ['only in b'] } });
    await b.api.POST('/v1/oauth-apps', { body: docsCreateBody });
    const fault = (await a.sandbox.POST('/__sandbox/faults', { body: { operation_id: 'listOauthApps', status: 404 } })).response.status;
    expect(fault).toBe(422); // a list has no 404: undocumented, refused the same in a namespace
    await a.sandbox.POST('/__sandbox/faults', { body: { operation_id: 'listOauthApps', status: 500 } });

    expect((await a.api.GET('/v1/oauth-apps', {})).response.status).toBe(500);
    expect((await b.api.GET('/v1/oauth-apps', {})).response.status).toBe(200);
    expect((await server.client.GET('/v1/oauth-apps', {})).response.status).toBe(200);
    expect((await b.sandbox.GET('/__sandbox/faults')).data!.data).toEqual([]);
    expect((await a.api.GET('/v1/oauth-apps/{id}', { params: { path: { id } } })).data!.health.status).toBe('ok');

    const bBefore = (await b.api.GET('/v1/oauth-apps', {})).data!.data;
    await a.sandbox.PUT('/__sandbox/seed', { body: [] });
    expect((await a.api.GET('/v1/oauth-apps', {})).data!.data).toEqual([]); // its reset also cleared its fault
    expect((await b.api.GET('/v1/oauth-apps', {})).data!.data).toEqual(bBefore);
    await b.sandbox.POST('/__sandbox/reset');
    expect((await b.api.GET('/v1/oauth-apps', {})).data!.data).toHaveLength(seed.length);
    expect((await a.api.GET('/v1/oauth-apps', {})).data!.data).toEqual([]); // a keeps its own (empty) seed
    // The default namespace's seed is untouched by a namespace's PUT /__sandbox/seed.
    await admin.POST('/__sandbox/reset');
    expect((await server.client.GET('/v1/oauth-apps', {})).data!.data).toHaveLength(seed.length);
  });

  it('a namespace token cannot create, list or delete namespaces: 403 in the error shape', async () => {
    const a = await open({ seed: false });
    await expectError(await raw('/__sandbox/namespaces', a.token, { method: 'POST', body: '{}' }), 403);
    await expectError(await raw('/__sandbox/namespaces', a.token), 403);
    await expectError(await raw(`/__sandbox/namespaces/${a.id}`, a.token, { method: 'DELETE' }), 403);
    expect((await a.api.GET('/v1/oauth-apps', {})).response.status).toBe(200);
  });
});

describe('lifecycle', () => {
  it('DELETE removes a namespace at once with its data; its token stops working', async () => {
    const a = await open();
    const storeView = server.store.inNamespace(a.id);
    expect(await storeView.count()).toBe(seed.length);
    await a.sandbox.POST('/__sandbox/faults', { body: { delay_ms: 1 } });
    expect((await admin.GET('/__sandbox/namespaces')).data!.data.map((n) => n.id)).toContain(a.id);
    await a.delete();
    expect(await storeView.count()).toBe(0);
    expect(await server.store.sandbox.listFaults(a.id)).toEqual([]);
    await expectError(await raw('/v1/oauth-apps', a.token), 401);
    expect((await admin.GET('/__sandbox/namespaces')).data!.data.map((n) => n.id)).not.toContain(a.id);
    const again = await admin.DELETE('/__sandbox/namespaces/{namespace_id}', { params: { path: { namespace_id: a.id } } });
    expect(again.response.status).toBe(404);
  });

  it('expires when idle past its TTL (each use moves it on), and is removed with its data', async () => {
    const a = await open({ ttlSeconds: 10 });
    const idle = await open({ ttlSeconds: 10, seed: false });
    clock += 9_000;
    expect((await a.api.GET('/v1/oauth-apps', {})).response.status).toBe(200); // used: 10 s more
    clock += 9_000;
    expect((await a.api.GET('/v1/oauth-apps', {})).response.status).toBe(200);
    const listed = (await admin.GET('/__sandbox/namespaces')).data!.data;
    expect(listed.map((n) => n.id)).toContain(a.id);
    expect(listed.map((n) => n.id)).not.toContain(idle.id); // 18 s unused
    expect(listed.find((n) => n.id === a.id)!.expires_at).toBe(new Date(clock + 10_000).toISOString());
    await expectError(await raw('/v1/oauth-apps', idle.token), 401);
    clock += 10_001;
    await expectError(await raw('/v1/oauth-apps', a.token), 401);
    expect(await server.store.inNamespace(a.id).count()).toBe(0);
  });
});

describe('the cap on live namespaces', () => {
  it('answers 429 in the error shape when reached; room comes back on delete and on expiry', async () => {
    let capClock = Date.now();
    const capped = await startServer({ config: { maxNamespaces: 3, now: () => capClock, seed } });
    try {
      const make = (body = {}) => capped.raw('/__sandbox/namespaces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const made = await Promise.all([make({ ttl_seconds: 5 }), make({ ttl_seconds: 5 }), make()]);
      expect(made.map((r) => r.status)).toEqual([200, 200, 200]);
      const full = await expectError(await make(), 429);
      expect(full.summary).toMatch(/maximum of 3 live namespaces/);
      const [first] = (await Promise.all(made.map((r) => r.json()))) as { id: string; token: string }[];
      expect((await capped.raw(`/__sandbox/namespaces/${first!.id}`, { method: 'DELETE' })).status).toBe(200);
      expect((await make({ ttl_seconds: 5 })).status).toBe(200);
      await expectError(await make(), 429);
      capClock += 6_000; // the three 5-second namespaces expire
      expect((await Promise.all([make(), make()])).map((r) => r.status)).toEqual([200, 200]);
      await expectError(await make(), 429);
    } finally {
      await capped.close();
    }
  });
});

describe('tokens', () => {
  it('appear in no log line and no response but their create response', async () => {
    const a = await open();
    await a.api.GET('/v1/oauth-apps', {});
    await raw('/v1/oauth-apps', `${a.token}x`);
    await a.sandbox.POST('/__sandbox/reset');
    await admin.GET('/__sandbox/namespaces');
    const logs = server.logLines.join('\n');
    expect(server.logLines.length).toBeGreaterThan(10);
    for (const token of tokens) expect(logs).not.toContain(token);
    for (const token of tokens) expect(logs).not.toContain(token.slice(4, 20));
    // The recording client saw every raw response; none but creates carry a token.
    const bodies = server.responseBodies.filter((b) => !b.includes('"token"'));
    for (const token of tokens) expect(bodies.join('\n')).not.toContain(token);
  });

  it('are stored only as SHA-256 digests', async () => {
    if (onPostgres) {
      const a = await open();
      const client = new pg.Client({ connectionString: pgTestUrl });
      await client.connect();
      try {
        const schema = /\(schema ([a-z0-9_]+)\)/.exec(server.store.location)![1];
        const { rows } = await client.query(`SELECT * FROM ${schema}.sandbox_namespaces`);
        const dump = JSON.stringify(rows);
        expect(rows.length).toBeGreaterThan(0);
        expect(dump).not.toContain(a.token);
        expect(dump).not.toContain(a.token.slice(4));
      } finally {
        await client.end();
      }
      return;
    }
    // A file database: its bytes (and its WAL's) hold no token.
    const dir = mkdtempSync(join(tmpdir(), 'ns-tokens-'));
    const file = join(dir, 'db.sqlite');
    const s = await startServer({ databaseUrl: `sqlite:${file}` });
    try {
      const ns = await createNamespace({ baseUrl: s.url, token: TOKEN });
      expect((await ns.api.GET('/v1/oauth-apps', {})).response.status).toBe(200);
      const bytes = Buffer.concat([readFileSync(file), readFileSync(`${file}-wal`)]).toString('latin1');
      expect(bytes).toContain(ns.id); // the namespace is there…
      expect(bytes).not.toContain(ns.token.slice(4)); // …its token is not
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});


describe('the in-process API', () => {
  it('creates a namespace in one call, isolated from the rest of that API', async () => {
    const api = await createInProcessApi();
    try {
      const [a, b] = await Promise.all([api.createNamespace({ seed: false }), api.createNamespace()]);
      const created = await a.api.POST('/v1/oauth-apps', { body: docsCreateBody });
      expect(created.response.status).toBe(200);
      expect((await a.api.GET('/v1/oauth-apps', {})).data!.data.map((x) => x.id)).toEqual([created.data!.id]);
      expect((await b.api.GET('/v1/oauth-apps/{id}', { params: { path: { id: created.data!.id } } })).response.status).toBe(404);
      expect((await b.api.GET('/v1/oauth-apps', {})).data!.data).toHaveLength(seed.length);
      await a.delete();
      expect((await a.api.GET('/v1/oauth-apps', {})).response.status).toBe(401);
    } finally {
      await api.close();
    }
  });
});
