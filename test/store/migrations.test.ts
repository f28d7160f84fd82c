import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonFacts } from '../../src/store/contains.js';
import { openStore } from '../../src/store/index.js';
import { MIGRATIONS as PG_MIGRATIONS } from '../../src/store/postgres.js';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../src/store/sqlite.js';
import { openSqlite } from '../../src/store/sqlite-driver.js';
import { dropTestSchemas, freshDatabaseUrl, onPostgres, pgTestUrl } from '../helpers/database.js';

// A database written by the release before namespaces (migration 1 only, with data) opens
// under this one: its apps become the default namespace's, every index still answers.
const app = {
  id: '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8',
  provider: 'stripe',
  name: 'Before namespaces',
  client_id: 'old-client',
  client_secret: 'old-secret',
  metadata: '{"tier":"gold"}',
  health_status: 'ok',
  health_notes: '[]',
  health_time: '2024-02-20T02:10:52Z',
  created_at: '2024-02-20T02:10:52Z',
  updated_at: '2024-02-20T02:10:52Z',
};

async function expectUpgraded(databaseUrl: string) {
  const store = await openStore(databaseUrl);
  try {
    expect(await store.get(app.id)).toMatchObject({ name: app.name, metadata: { tier: 'gold' } });
    expect((await store.list({ metadata: { tier: 'gold' } })).map((a) => a.id)).toEqual([app.id]);
    expect((await store.list({ provider: 'stripe' })).map((a) => a.id)).toEqual([app.id]);
    // Namespaces work on the upgraded layout: the same ids and client ids elsewhere, nothing shared.
    const other = store.inNamespace('3f1c9a52-7d0e-4b8a-9c61-2e5f8d4a7b90');
    expect(await other.get(app.id)).toBeUndefined();
    await other.create({ id: app.id, provider: 'stripe', client_id: 'old-client', client_secret: 's', name: 'Same ids, other namespace' });
    expect((await store.get(app.id))!.name).toBe(app.name);
    const later = await store.create({ provider: 'stripe', client_id: 'new-client', client_secret: 's', name: 'After' });
    expect((await store.list({})).map((a) => a.id)).toEqual([app.id, later.id]);
  } finally {
    await store.close();
  }
  // Opening again applies nothing twice.
  await (await openStore(databaseUrl)).close();
}

describe.runIf(!onPostgres)('SQLite: a file from before namespaces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is upgraded in place, data and metadata index kept', async () => {
    const file = join(dir, 'old.db');
    const db = openSqlite(file);
    db.exec(SQLITE_MIGRATIONS[0]!); // files of that release carry user_version 0
    const { lastInsertRowid } = db.prepare(`INSERT INTO oauth_apps (${Object.keys(app).join(', ')}) VALUES (${Object.keys(app).map((k) => `@${k}`).join(', ')})`).run(app);
    for (const f of jsonFacts(JSON.parse(app.metadata))) db.prepare('INSERT INTO metadata_facts (path, value, app_seq) VALUES (?, ?, ?)').run(f.path, f.value, lastInsertRowid);
    db.close();
    await expectUpgraded(`sqlite:${file}`);
    const after = openSqlite(file);
    expect(after.pragmaValue('user_version')).toBe(SQLITE_MIGRATIONS.length);
    expect(after.pragma('foreign_key_check')).toEqual([]);
    after.close();
  });
});

describe.runIf(onPostgres)('PostgreSQL: a schema from before namespaces', () => {
  afterAll(() => dropTestSchemas());

  it('is upgraded in place, data kept', async () => {
    const databaseUrl = freshDatabaseUrl();
    const schema = new URL(databaseUrl).searchParams.get('schema')!;
    const client = new pg.Client({ connectionString: pgTestUrl, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      await client.query(PG_MIGRATIONS[0]!.sql);
      await client.query('INSERT INTO schema_migrations (version) VALUES (1)');
      const row = { ...app, metadata_index: app.metadata };
      const cols = Object.keys(row);
      await client.query(`INSERT INTO oauth_apps (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(row));
    } finally {
      await client.end();
    }
    await expectUpgraded(databaseUrl);
  });
});
