import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { openStore } from '../../src/store/index.js';
import { availableSqliteDrivers, asBuffer, defaultSqliteDriver, openSqlite, type SqliteDatabase, type SqliteDriverName } from '../../src/store/sqlite-driver.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { DuplicateClientIdError } from '../../src/store/types.js';
import { onPostgres } from '../helpers/database.js';

// The adapter's contract, on every driver this Node line can run: node:sqlite and
// better-sqlite3 both on Node 22, one of them on Node 20 and 24. The rest of the suite runs
// the store on the line's own driver.
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
// node:sqlite without a flag: from Node 22.13.
const builtIn = major > 22 || (major === 22 && minor >= 13);
const drivers = onPostgres ? [] : availableSqliteDrivers();
const dir = mkdtempSync(join(tmpdir(), 'sqlite-driver-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = () => join(dir, `${++files}.db`);

describe.runIf(!onPostgres)('the SQLite driver of this Node line', () => {
  it('is node:sqlite from Node 22.13, better-sqlite3 before, and can run here', () => {
    expect(defaultSqliteDriver()).toBe(builtIn ? 'node:sqlite' : 'better-sqlite3');
    expect(drivers).toContain(defaultSqliteDriver());
    // This checkout has better-sqlite3 (a devDependency), built on Node 20 and 22 (.ci/node-line).
    if (major === 22) expect(drivers).toEqual(['better-sqlite3', 'node:sqlite']);
  });

  // Node 22 prints "ExperimentalWarning: SQLite is an experimental feature" on loading node:sqlite;
  // the kit drops that one warning and no other. A fresh process: the warning comes once per process.
  it.runIf(builtIn)('opens a store on node:sqlite with no ExperimentalWarning for it, other warnings untouched', async () => {
    const script = `import { openStore } from './src/store/index.ts';
const store = await openStore('sqlite::memory:');
await store.create({ provider: 'stripe', client_id: 'c', client_secret: 's', name: 'n' });
await store.close();
process.emitWarning('a warning of the app', 'ExperimentalWarning');`;
    const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: packageRoot });
    expect(stderr).not.toMatch(/SQLite/);
    expect(stderr).toMatch(/ExperimentalWarning: a warning of the app/);
  });

  it.runIf(major >= 24)('on Node 24, a store opens and works without loading better-sqlite3', async () => {
    const store = await openStore('sqlite::memory:');
    await store.create({ provider: 'stripe', client_id: 'c', client_secret: 's', name: 'n' });
    await store.close();
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.filter((m) => m.includes('better-sqlite3'))).toEqual([]);
  });
});

describe.runIf(!onPostgres).each(drivers)('SQLite driver contract: %s', (driver: SqliteDriverName) => {
  const open = (f = file()) => {
    const db = openSqlite(f, driver);
    db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER, b BLOB)');
    return db;
  };

  it('binds ? and @name parameters (bare keys, extra keys ignored), returns plain values', () => {
    const db = open();
    expect(db.driver).toBe(driver);
    const insert = db.prepare('INSERT INTO t (name, n, b) VALUES (@name, @n, @b)');
    expect(insert.run({ name: 'a', n: 41, b: Buffer.from([1, 2, 3]), unused: 'ignored' })).toMatchObject({ changes: 1, lastInsertRowid: 1 });
    expect(Number(insert.run({ name: 'b', n: null, b: null }).lastInsertRowid)).toBe(2);
    const row = db.prepare<{ id: number; name: string; n: number | null; b: Uint8Array | null }>('SELECT * FROM t WHERE name = ?').get('a')!;
    expect({ ...row, b: [...row.b!] }).toEqual({ id: 1, name: 'a', n: 41, b: [1, 2, 3] });
    expect(row.b).toBeInstanceOf(Uint8Array);
    expect(asBuffer(row.b!)).toEqual(Buffer.from([1, 2, 3]));
    expect(Buffer.isBuffer(asBuffer(row.b!))).toBe(true);
    expect(db.prepare('SELECT * FROM t WHERE name = ?').get('none')).toBeUndefined();
    expect(db.prepare<{ name: string }>('SELECT name FROM t ORDER BY id').all().map((r) => r.name)).toEqual(['a', 'b']);
    expect(db.prepare('UPDATE t SET n = n + 1 WHERE n IS NOT NULL').run().changes).toBe(1);
    expect(db.prepare('SELECT count(*) AS c, sum(n) AS s FROM t').get()).toEqual({ c: 2, s: 42 });
    db.close();
  });

  it("names SQLite's error in `code`", () => {
    const db = open();
    db.prepare('INSERT INTO t (name) VALUES (?)').run('dup');
    expect(() => db.prepare('INSERT INTO t (name) VALUES (?)').run('dup')).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE', message: expect.stringContaining('t.name') }));
    expect(() => db.prepare('INSERT INTO t (n) VALUES (1)').run()).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_NOTNULL' }));
    expect(() => db.prepare('SELECT nope FROM t')).toThrow(expect.objectContaining({ code: 'SQLITE_ERROR' }));
    db.close();
  });

  it('commits a transaction, rolls it back when it throws, and nests as a savepoint', () => {
    const db = open();
    const insert = db.prepare('INSERT INTO t (name) VALUES (?)');
    const names = () => db.prepare<{ name: string }>('SELECT name FROM t ORDER BY id').all().map((r) => r.name);
    const both = db.transaction((a: string, b: string) => (insert.run(a), insert.run(b), 'done'));
    expect(both('a', 'b')).toBe('done');
    expect(() => both('c', 'a')).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }));
    expect(names()).toEqual(['a', 'b']);
    expect(db.inTransaction).toBe(false);
    // The inner failure undoes the inner part only; the outer one commits.
    const outer = db.transaction(() => {
      insert.run('x');
      expect(db.inTransaction).toBe(true);
      expect(() => both('y', 'a')).toThrow();
      insert.run('z');
    });
    outer();
    expect(names()).toEqual(['a', 'b', 'x', 'z']);
    expect(() => db.transaction(async () => insert.run('p'))()).toThrow(TypeError);
    expect(names()).toEqual(['a', 'b', 'x', 'z']);
    expect(db.inTransaction).toBe(false);
    db.close();
  });

  it('sets and reads pragmas: WAL, busy_timeout, user_version; an IMMEDIATE transaction holds the write lock', () => {
    const f = file();
    const db = open(f);
    expect(db.pragma('journal_mode = WAL')).toEqual([{ journal_mode: 'wal' }]);
    expect(db.pragma('busy_timeout = 5000')).toEqual([{ timeout: 5000 }]);
    expect(db.pragmaValue('busy_timeout')).toBe(5000);
    expect(db.pragma('user_version = 7')).toEqual([]);
    expect(db.pragmaValue('user_version')).toBe(7);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const other = openSqlite(f, driver);
    other.pragma('busy_timeout = 0');
    db.transaction(() => {
      expect(() => other.exec("INSERT INTO t (name) VALUES ('w')")).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    }, 'immediate')();
    other.exec("INSERT INTO t (name) VALUES ('w')");
    expect(db.open).toBe(true);
    db.close();
    other.close();
    expect(db.open).toBe(false);
  });

  it('runs the store: apps, the unique client id, namespaces found by token hash', async () => {
    const store = new SqliteStore(file(), undefined, driver);
    const app = await store.create({ provider: 'stripe', client_id: 'c', client_secret: 's', name: 'n', metadata: { tier: 'gold' } });
    await expect(store.create({ provider: 'stripe', client_id: 'c', client_secret: 's', name: 'again' })).rejects.toBeInstanceOf(DuplicateClientIdError);
    expect(await store.update(app.id, { name: 'renamed' })).toMatchObject({ name: 'renamed' });
    expect((await store.list({ metadata: { tier: 'gold' } })).map((a) => a.id)).toEqual([app.id]);
    const tokenHash = createHash('sha256').update('token').digest();
    const ns = { id: 'ns-1', tokenHash, ttlMs: 60_000, createdAt: 1, lastUsedAt: 1 };
    expect(await store.sandbox.createNamespace(ns, [], 10, 2)).toBe(true);
    const found = await store.sandbox.namespaceByTokenHash(tokenHash);
    expect(found).toEqual(ns);
    expect(Buffer.isBuffer(found!.tokenHash)).toBe(true);
    expect(await store.sandbox.createNamespace({ ...ns, id: 'ns-2', tokenHash: Buffer.alloc(32) }, [], 1, 2)).toBe(false);
    await store.close();
  });
});

// A file one driver wrote, the other reads: switching Node lines keeps the data.
describe.runIf(!onPostgres && drivers.length === 2)('a database file written by one driver', () => {
  it('opens with the other, data and migrations intact', async () => {
    const f = file();
    const [first, second] = drivers as [SqliteDriverName, SqliteDriverName];
    const written = new SqliteStore(f, undefined, first);
    const app = await written.create({ provider: 'github', client_id: 'x', client_secret: 's', name: 'kept' });
    await written.close();
    const read = new SqliteStore(f, undefined, second);
    expect(await read.get(app.id)).toEqual(app);
    await read.close();
    const raw: SqliteDatabase = openSqlite(f, second);
    expect(raw.pragmaValue('journal_mode')).toBe('wal');
    raw.close();
  });
});
