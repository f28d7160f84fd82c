import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNamespace, createSandboxClient, requests, waitForRequest, type RequestEntry } from 'oauth-apps-api-client/sandbox';
import { openSqlite } from '../../src/store/sqlite-driver.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { SqliteJournalState } from '../../src/store/sqlite-journal.js';
import { createInProcessApi } from '../../src/testing/index.js';
import { specValidator, loadSpec } from '../../src/spec/index.js';
import { bundledSandboxJson } from '../../src/paths.js';
import { dropTestSchemas, freshDatabaseUrl, onPostgres, pgTestUrl } from '../helpers/database.js';
import { docsCreateBody, startServer, TOKEN, type TestServer } from '../helpers/server.js';

const validateEntry = specValidator(loadSpec(bundledSandboxJson))('#/components/schemas/RequestEntry');
const SECRET = 'sk_live_journal_secret_4f9a2c';

let server: TestServer;
let sandbox: ReturnType<typeof createSandboxClient>;
beforeAll(async () => {
  server = await startServer({ seed: [] });
  sandbox = createSandboxClient({ baseUrl: server.url, token: TOKEN });
});
afterAll(() => server?.close());
beforeEach(async () => void (await sandbox.POST('/__sandbox/reset')));

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the request journal', () => {
  it('records each /v1 request with what answered it, newest first, in the spec’s entry shape', async () => {
    const created = await server.client.POST('/v1/oauth-apps', { body: { ...docsCreateBody, client_secret: SECRET } });
    const id = created.data!.id;
    await server.raw(`/v1/oauth-apps/${id}?truncate_secrets=false`);
    await server.raw(`/v1/oauth-apps/${id}`, { method: 'PATCH', headers: { prefer: 'code=404', 'content-type': 'application/json' }, body: '{"name":"Renamed"}' });
    await sandbox.POST('/__sandbox/faults', { body: { operation_id: 'listOauthApps', status: 503, remaining: 1 } });
    await server.raw('/v1/oauth-apps?provider=stripe');
    await server.raw('/v1/oauth-apps', json({ provider: 'stripe', client_secret: SECRET }));
    await server.raw('/v1/no-such-thing?x=1&x=2');

    const entries = await requests(sandbox);
    for (const e of entries) expect(validateEntry(e), JSON.stringify(validateEntry.errors)).toBe(true);
    expect(entries.map((e) => [e.operation_id, e.method, e.response.status, e.steered_by])).toEqual([
      [null, 'GET', 404, null],
      ['createOauthApp', 'POST', 422, null],
      ['listOauthApps', 'GET', 503, 'fault'],
      ['updateOauthApp', 'PATCH', 404, 'prefer'],
      ['getOauthApp', 'GET', 200, null],
      ['createOauthApp', 'POST', 200, null],
    ]);
    const ids = entries.map((e) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);

    const [unknown, refused, faulted, steered, read, create] = entries as [RequestEntry, RequestEntry, RequestEntry, RequestEntry, RequestEntry, RequestEntry];
    expect(create).toEqual({
      id: expect.any(Number),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      operation_id: 'createOauthApp',
      method: 'POST',
      path: '/v1/oauth-apps',
      query: {},
      request: { body: { ...docsCreateBody, client_secret: '**********' } },
      response: { status: 200, body: { ...created.data, client_secret: '**********' } },
      duration_ms: expect.any(Number),
      steered_by: null,
    });
    // Asked for in full, the secret was answered, and still the journal masks it.
    expect(read.query).toEqual({ truncate_secrets: 'false' });
    expect((read.response.body as { client_secret: string }).client_secret).toBe('**********');
    expect(steered.request.body).toEqual({ name: 'Renamed' });
    expect(steered.summary).toMatch(/^Not found/);
    expect(faulted.query).toEqual({ provider: 'stripe' });
    expect(refused.validation_errors).toEqual({ client_id: ['is required'], name: ['is required'] });
    expect(refused.summary).toBe('Validation failed: 2 fields were refused.');
    expect(refused.request.body).toEqual({ provider: 'stripe', client_secret: '**********' });
    expect(unknown).toMatchObject({ path: '/v1/no-such-thing', query: { x: ['1', '2'] }, summary: 'Not found: no such route.' });
    expect(unknown.request).toEqual({});
  });

  it('filters by operation, method, status, path, since and limit', async () => {
    const a = (await server.client.POST('/v1/oauth-apps', { body: docsCreateBody })).data!;
    await server.client.GET('/v1/oauth-apps', {});
    await server.client.GET('/v1/oauth-apps/{id}', { params: { path: { id: a.id } } });
    await server.client.PATCH('/v1/oauth-apps/{id}', { params: { path: { id: a.id } }, body: { name: 'Renamed' } });
    await server.client.GET('/v1/oauth-apps/{id}', { params: { path: { id: '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8' } } });

    const updates = await requests(sandbox, { operation_id: 'updateOauthApp' });
    expect(updates).toHaveLength(1);
    expect(updates[0]!.request.body?.name).toBe('Renamed'); // typed as the update body
    expect((await requests(sandbox, { method: 'GET' })).map((e) => e.operation_id)).toEqual(['getOauthApp', 'getOauthApp', 'listOauthApps']);
    expect((await requests(sandbox, { status: 404 })).map((e) => e.path)).toEqual(['/v1/oauth-apps/8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8']);
    expect((await requests(sandbox, { path: `/v1/oauth-apps/${a.id}` })).map((e) => e.method)).toEqual(['PATCH', 'GET']);
    const all = await requests(sandbox);
    expect((await requests(sandbox, { since: all[2]!.id })).map((e) => e.id)).toEqual([all[0]!.id, all[1]!.id]);
    expect(await requests(sandbox, { limit: 2 })).toEqual(all.slice(0, 2));
    // A bad filter is a 422 in the API's shape.
    const bad = await server.raw('/__sandbox/requests?status=abc&limit=0');
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { validation_errors: Record<string, string[]> }).validation_errors).toHaveProperty('limit');
  });

  it('records a body refused before its token was checked, in that token’s namespace; not a refused token', async () => {
    const ns = await createNamespace({ baseUrl: server.url, token: TOKEN, seed: false });
    try {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${ns.token}` };
      expect((await fetch(`${server.url}/v1/oauth-apps`, { method: 'POST', headers, body: '{"name": ' })).status).toBe(400);
      expect((await server.raw('/v1/oauth-apps', { token: 'not-a-token' })).status).toBe(401);
      expect((await server.raw('/v1/oauth-apps', { token: null })).status).toBe(401);
      const [malformed, ...rest] = await requests(ns.sandbox);
      expect(rest).toEqual([]);
      expect(malformed).toMatchObject({ operation_id: null, method: 'POST', response: { status: 400 }, summary: 'The request body is not valid JSON.' });
      expect(malformed!.request).toEqual({});
      expect(await requests(sandbox)).toEqual([]); // the refused tokens are nobody's
    } finally {
      await ns.delete();
    }
  });

  it('reads one entry by id; an unknown one is a 404', async () => {
    await server.client.GET('/v1/oauth-apps', {});
    const [entry] = await requests(sandbox);
    const one = await sandbox.GET('/__sandbox/requests/{request_id}', { params: { path: { request_id: entry!.id } } });
    expect(one.data).toEqual(entry);
    const missing = await sandbox.GET('/__sandbox/requests/{request_id}', { params: { path: { request_id: entry!.id + 1000 } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.summary).toMatch(/no journaled request/);
  });

  it('is cleared by DELETE and by a reset; the control plane itself is not journaled', async () => {
    await server.client.GET('/v1/oauth-apps', {});
    await server.client.GET('/v1/oauth-apps', {});
    expect((await sandbox.DELETE('/__sandbox/requests')).data).toEqual({ deleted: 2 });
    expect(await requests(sandbox)).toEqual([]);
    await server.client.GET('/v1/oauth-apps', {});
    await sandbox.POST('/__sandbox/reset');
    expect(await requests(sandbox)).toEqual([]);
  });

  it('keeps each namespace’s journal to itself', async () => {
    const ns = await createNamespace({ baseUrl: server.url, token: TOKEN, seed: false });
    try {
      await ns.api.POST('/v1/oauth-apps', { body: docsCreateBody });
      await server.client.GET('/v1/oauth-apps', {});
      const mine = await requests(ns.sandbox);
      expect(mine.map((e) => e.operation_id)).toEqual(['createOauthApp']);
      expect((await requests(sandbox)).map((e) => e.operation_id)).toEqual(['listOauthApps']);
      // Another namespace's entry id is a 404, as if it never existed.
      const other = await sandbox.GET('/__sandbox/requests/{request_id}', { params: { path: { request_id: mine[0]!.id } } });
      expect(other.response.status).toBe(404);
      // A namespace's reset or clear leaves the default one's journal alone.
      await ns.sandbox.DELETE('/__sandbox/requests');
      expect(await requests(sandbox)).toHaveLength(1);
    } finally {
      await ns.delete();
    }
  });

  it('waitForRequest resolves when the request arrives, and names what it saw when it does not', async () => {
    const waiting = waitForRequest(sandbox, { operation_id: 'deleteOauthApp' }, { timeoutMs: 5000, intervalMs: 10 });
    const a = (await server.client.POST('/v1/oauth-apps', { body: docsCreateBody })).data!;
    await server.client.DELETE('/v1/oauth-apps/{id}', { params: { path: { id: a.id } } });
    expect((await waiting).path).toBe(`/v1/oauth-apps/${a.id}`);
    await expect(waitForRequest(sandbox, { operation_id: 'updateOauthApp' }, { timeoutMs: 50, intervalMs: 10 })).rejects.toThrow(
      /no request matching \{"operation_id":"updateOauthApp"\} within 50 ms; the latest requests: DELETE/,
    );
  });
});

describe('the journal’s size', () => {
  it('keeps only the newest --journal-size entries per namespace; 0 keeps none', async () => {
    const small = await startServer({ seed: [], config: { journalSize: 5 } });
    const off = await startServer({ seed: [], config: { journalSize: 0 } });
    try {
      for (let i = 0; i < 12; i++) await small.raw(`/v1/oauth-apps?provider=stripe&n=${i}`);
      const kept = await requests(createSandboxClient({ baseUrl: small.url, token: TOKEN }), { limit: 100 });
      expect(kept.map((e) => e.query.n)).toEqual(['11', '10', '9', '8', '7']);
      await off.raw('/v1/oauth-apps');
      expect(await requests(createSandboxClient({ baseUrl: off.url, token: TOKEN }))).toEqual([]);
    } finally {
      await Promise.all([small.close(), off.close()]);
    }
  });

  it('pages back with `before`, forward with `since`', async () => {
    const s = await startServer({ seed: [] });
    try {
      const sandbox = createSandboxClient({ baseUrl: s.url, token: TOKEN });
      for (let i = 0; i < 5; i++) await s.raw(`/v1/oauth-apps?n=${i}`);
      const n = (entries: RequestEntry[]) => entries.map((e) => e.query.n);
      const first = await requests(sandbox, { limit: 2 });
      expect(n(first)).toEqual(['4', '3']);
      const second = await requests(sandbox, { before: first.at(-1)!.id, limit: 2 });
      expect(n(second)).toEqual(['2', '1']);
      expect(n(await requests(sandbox, { before: second.at(-1)!.id, limit: 2 }))).toEqual(['0']);
      expect(n(await requests(sandbox, { since: second.at(-1)!.id, before: first[0]!.id }))).toEqual(['3', '2']);
      const refused = await s.raw('/__sandbox/requests?before=0');
      expect(refused.status).toBe(422);
    } finally {
      await s.close();
    }
  });

  it('keeps each namespace’s newest entries when one batch holds more than the size for several', async () => {
    // On SQLite the entries of the last second wait as one batch, of which only each
    // namespace's newest `size` are written: a busy namespace must not push out a quiet one's.
    const small = await startServer({ seed: [], config: { journalSize: 5 } });
    const ns = await createNamespace({ baseUrl: small.url, token: TOKEN, seed: false });
    try {
      const sandbox = createSandboxClient({ baseUrl: small.url, token: TOKEN });
      await requests(sandbox); // the namespace's creation is written: the batch below holds only these
      for (let i = 0; i < 20; i++) await small.raw(`/v1/oauth-apps?n=${i}`);
      for (let i = 0; i < 3; i++) await small.raw(`/v1/oauth-apps?quiet=${i}`, { token: ns.token });
      for (let i = 20; i < 25; i++) await small.raw(`/v1/oauth-apps?n=${i}`);
      expect((await requests(ns.sandbox)).map((e) => e.query.quiet)).toEqual(['2', '1', '0']);
      const kept = await requests(sandbox);
      expect(kept.map((e) => e.query.n)).toEqual(['24', '23', '22', '21', '20']);
      expect(kept.map((e) => e.id)).toEqual([...kept.map((e) => e.id)].sort((a, b) => b - a));
    } finally {
      await ns.delete();
      await small.close();
    }
  });
});

describe.skipIf(onPostgres)('the journal on SQLite', () => {
  it('writes a batch in transactions of bounded time, letting other work run between them, every entry in order', async () => {
    // A second of 100-app lists is a batch of ~30 KB entries; one synchronous transaction for
    // all of them held every request behind it (p99 70-100 ms on such lists). With no time
    // budget a transaction writes one entry, and other work gets a turn before the next.
    const dir = mkdtempSync(join(tmpdir(), 'journal-slices-'));
    const store = new SqliteStore(join(dir, 'apps.db')); // creates the tables
    const db = openSqlite(join(dir, 'apps.db'));
    try {
      const state = new SqliteJournalState(db, { sliceMs: 0, share: 0 });
      const big = 'x'.repeat(30_000);
      const records = Array.from({ length: 40 }, (_, i) => ({ namespace: 'default', operationId: 'listOauthApps', method: 'GET', path: '/v1/oauth-apps', status: 200, entry: JSON.stringify({ n: i, pad: big }) }));
      let turns = 0;
      let writing = true;
      const tick = () => setImmediate(() => (turns++, writing && tick()));
      tick();
      await state.append(records);
      writing = false;
      expect(turns).toBeGreaterThanOrEqual(30); // a turn between every two of the 40 transactions (none if it wrote all at once)
      const listed = await state.list('default', { limit: 100 });
      expect(listed.map((r) => (JSON.parse(r.entry) as { n: number }).n)).toEqual(Array.from({ length: 40 }, (_, i) => 39 - i));
    } finally {
      db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('secrets in the journal', () => {
  // STORED secrets are an app's own (created, updated): the apps table keeps them, so they are
  // looked for in the journal's rows. REFUSED ones and the token reach no table but the
  // journal's, so they are looked for in the whole database (file and WAL, or every row).
  const STORED = 'sk_live_stored_secret_4f9a2c';
  const REFUSED = 'sk_live_refused_secret_77e1b0';

  /** Many requests that carry a secret (and, by mistake, the token) every way a client can. */
  async function sendSecrets(s: TestServer) {
    const headers = { 'content-type': 'application/json' };
    let n = 0;
    for (let i = 0; i < 10; i++) {
      const res = await s.raw('/v1/oauth-apps', json({ ...docsCreateBody, client_id: `c${i}`, client_secret: `${STORED}${i}` }));
      const { id } = (await res.json()) as { id: string };
      await s.raw(`/v1/oauth-apps/${id}?truncate_secrets=false`);
      await s.raw(`/v1/oauth-apps?truncate_secrets=false&provider=stripe`);
      await s.raw(`/v1/oauth-apps/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ client_secret: `${STORED}${i}` }) });
      await s.raw(`/v1/oauth-apps/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ metadata: { client_secret: `${STORED}${i}` } }) });
      // Refused: an unknown query parameter; a create without its required fields.
      await s.raw(`/v1/oauth-apps?token=${TOKEN}&client_secret=${REFUSED}${i}`);
      await s.raw('/v1/oauth-apps', json({ provider: 'stripe', client_secret: `${REFUSED}${i}`, note: TOKEN }));
      await s.raw(`/v1/oauth-apps/${id}`, { method: 'PATCH', headers: { ...headers, prefer: 'code=422' }, body: JSON.stringify({ client_secret: `${REFUSED}${i}` }) });
      n += 8;
    }
    return n;
  }

  it(`are masked and tokens absent, in the stored ${onPostgres ? 'PostgreSQL rows' : 'SQLite file and WAL'}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-secrets-'));
    const file = join(dir, 'db.sqlite');
    const databaseUrl = onPostgres ? freshDatabaseUrl() : `sqlite:${file}`;
    const s = await startServer({ databaseUrl, seed: [] });
    try {
      const sent = await sendSecrets(s);
      const entries = await requests(createSandboxClient({ baseUrl: s.url, token: TOKEN }), { limit: 1000 });
      expect(entries).toHaveLength(sent);
      let journalRows: string;
      let everything: string;
      if (onPostgres) {
        const client = new pg.Client({ connectionString: pgTestUrl });
        await client.connect();
        try {
          const schema = /\(schema ([a-z0-9_]+)\)/.exec(s.store.location)![1];
          const { rows } = await client.query(`SELECT * FROM ${schema}.sandbox_requests`);
          expect(rows).toHaveLength(sent);
          journalRows = JSON.stringify(rows);
          const tables = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
          const dumps: string[] = [];
          for (const t of tables.rows) dumps.push(JSON.stringify((await client.query(`SELECT * FROM ${schema}.${t.table_name}`)).rows));
          everything = dumps.join('\n');
        } finally {
          await client.end();
        }
      } else {
        const db = openSqlite(file);
        try {
          journalRows = JSON.stringify(db.prepare('SELECT * FROM sandbox_requests').all());
        } finally {
          db.close();
        }
        everything = Buffer.concat([readFileSync(file), readFileSync(`${file}-wal`)]).toString('latin1');
      }
      expect(journalRows).toContain('/v1/oauth-apps'); // the entries are there…
      expect(journalRows).toContain('**********');
      for (const secret of [STORED, REFUSED, TOKEN]) expect(journalRows).not.toContain(secret); // …no secret, no token
      expect(everything).toContain('/v1/oauth-apps');
      for (const secret of [REFUSED, TOKEN]) expect(everything).not.toContain(secret);
      const read = JSON.stringify(entries);
      for (const secret of [STORED, REFUSED, TOKEN]) expect(read).not.toContain(secret);
      expect(read).not.toMatch(/authorization|bearer/i);
      console.log(`journal secret scan: ${sent} requests carrying a secret or the token; ${journalRows.length} bytes of journal rows, ${everything.length} bytes of database: 0 secrets, 0 tokens`);
    } finally {
      await s.close();
      if (onPostgres) await dropTestSchemas(databaseUrl);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(onPostgres)('one journal across PostgreSQL instances', () => {
  it('an entry written through one instance is read at once through the other', async () => {
    const databaseUrl = freshDatabaseUrl();
    const [a, b] = await Promise.all([startServer({ databaseUrl, seed: [] }), startServer({ databaseUrl, seed: [] })]);
    try {
      const readB = createSandboxClient({ baseUrl: b.url, token: TOKEN });
      for (let i = 0; i < 20; i++) {
        await a.raw(`/v1/oauth-apps?n=${i}`);
        const [newest] = await requests(readB, { limit: 1 });
        expect(newest?.query.n).toBe(String(i)); // read-your-writes, every time
      }
      // Concurrent requests: several batches in flight on A, each response still waits for its own.
      await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          await a.raw(`/v1/oauth-apps?burst=${i}`);
          const seen = await requests(readB, { limit: 100 });
          expect(seen.map((e) => e.query.burst)).toContain(String(i));
        }),
      );
      const ns = await createNamespace({ baseUrl: a.url, token: TOKEN, seed: false });
      await ns.api.GET('/v1/oauth-apps', {});
      const fromB = createSandboxClient({ baseUrl: b.url, token: ns.token });
      expect((await requests(fromB)).map((e) => e.operation_id)).toEqual(['listOauthApps']);
      await ns.delete();
    } finally {
      await Promise.all([a.close(), b.close()]);
      await dropTestSchemas(databaseUrl);
    }
  });
});

describe('masking', () => {
  it('masks a client_secret at any depth, in lists, and leaves text that only mentions one', async () => {
    const api = await createInProcessApi({ seed: false });
    try {
      const headers = { authorization: 'Bearer test-token', 'content-type': 'application/json' };
      const name = 'says "client_secret":"not-a-secret"';
      const body = { ...docsCreateBody, name, client_secret: SECRET, metadata: { nested: [{ client_secret: `${SECRET}-deep` }] } };
      expect((await api.fetch('/v1/oauth-apps', { method: 'POST', headers, body: JSON.stringify(body) })).status).toBe(200);
      expect((await api.fetch('/v1/oauth-apps?truncate_secrets=false', { headers })).status).toBe(200);
      const [list, create] = await api.requests();
      expect(JSON.stringify([list, create])).not.toContain(SECRET);
      expect(create!.request.body).toEqual({ ...body, client_secret: '**********', metadata: { nested: [{ client_secret: '**********' }] } });
      expect((list!.response.body as { data: { name: string; client_secret: string }[] }).data).toEqual([
        expect.objectContaining({ name, client_secret: '**********', metadata: { nested: [{ client_secret: '**********' }] } }),
      ]);
    } finally {
      await api.close();
    }
  });
});

describe('the in-process API', () => {
  it('answers api.requests() and api.coverage() from the same journal', async () => {
    const api = await createInProcessApi({ seed: false });
    try {
      const headers = { authorization: 'Bearer test-token', 'content-type': 'application/json' };
      await api.fetch('/v1/oauth-apps', { method: 'POST', headers, body: JSON.stringify({ ...docsCreateBody, client_secret: SECRET }) });
      await api.fetch('/v1/oauth-apps/8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8', { headers });
      const [missing, create] = await api.requests();
      expect(create?.request.body).toMatchObject({ client_secret: '**********' });
      expect(missing?.response.status).toBe(404);
      expect((await api.requests({ operation_id: 'createOauthApp' }))[0]?.request.body?.name).toBe(docsCreateBody.name);
      const coverage = await api.coverage();
      const get = coverage.operations.find((o) => o.operation_id === 'getOauthApp')!;
      expect(get.statuses.find((s) => s.status === 404)?.count).toBe(1);
      expect(get.statuses.find((s) => s.status === 200)?.count).toBe(0);
      expect(coverage).toMatchObject({ requests: 2, covered: 2, undocumented: [] });
      expect(coverage.percent).toBe(Math.round((2 / coverage.documented) * 1000) / 10);
    } finally {
      await api.close();
    }
  });
});
