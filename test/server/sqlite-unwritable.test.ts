import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { onPostgres } from '../helpers/database.js';
import { expectError, startServer, docsCreateBody } from '../helpers/server.js';

// Issue #24 item 1.9: a SQLite file the server cannot write. Before, it started without a
// word and answered every write with 500. Now it refuses to start, in one line naming the
// file and what is not writable; a disk that fills up mid-run answers 503 + Retry-After and
// recovers once there is room, as before but in the API's "retry" status.

const cli = join(packageRoot, 'dist', 'src', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-unwritable-'));
afterAll(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

// root writes whatever the mode bits say, so as root the server runs as `nobody`, for whom
// they hold (the way an operator's service account meets a file it does not own).
const asRoot = process.getuid?.() === 0;
const runuser = (() => {
  try {
    execFileSync('runuser', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// ...which needs `nobody` to reach the build: a checkout under a folder only root may enter
// (mktemp -d makes its folders 0700) cannot be tested this way, and says so by the skip.
const nobodyReachesBuild = (() => {
  if (!asRoot || !runuser) return true;
  try {
    execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(cli)}, require('fs').constants.R_OK)`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function serveCli(databaseUrl: string) {
  const args = [cli, '--port', '0', '--token', 'ro-token', '--no-seed', '--database-url', databaseUrl];
  const [command, argv] = asRoot ? ['runuser', ['-u', 'nobody', '--', process.execPath, ...args]] : [process.execPath, args];
  return promisify(execFile)(command, argv, { timeout: 20_000 }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string; killed?: boolean }) => ({ code: e.killed ? 'killed (it started)' : e.code, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  );
}

if (!onPostgres && !nobodyReachesBuild) console.warn(`sqlite-unwritable: the start-up refusals are skipped: as root they run as nobody, who cannot read ${cli} (a parent folder is closed to it)`);
describe.skipIf(onPostgres || (asRoot && !runuser) || !nobodyReachesBuild)('a SQLite file the server cannot write', () => {
  const file = join(dir, 'apps.db');
  const expected = (what: string) =>
    `oauth-apps-api: SQLite file ${file} cannot be written (${what}): every write would fail, so the server does not start. ` +
    `Make the file and its folder writable by this user (WAL keeps apps.db-wal and apps.db-shm beside it), or choose another --database-url.\n`;

  it('read-only file, writable folder: refuses to start, naming the file', { timeout: 30_000 }, async () => {
    new SqliteStore(file).close();
    chmodSync(file, 0o444);
    chmodSync(dir, 0o1777); // the folder writable by anyone: only the file is read-only
    const { code, out } = await serveCli(`sqlite:${file}`);
    expect(code, out).toBe(1);
    expect(out).toBe(expected('the file is read-only'));
  });

  it('writable file in a read-only folder (no room for the WAL files): refuses to start, naming the folder', { timeout: 30_000 }, async () => {
    chmodSync(file, 0o666);
    chmodSync(dir, 0o555);
    const { code, out } = await serveCli(`sqlite:${file}`);
    expect(code, out).toBe(1);
    expect(out).toBe(expected('its folder is read-only'));
  });
});

describe.skipIf(onPostgres)('a SQLite disk that fills up mid-run', () => {
  it('answers writes with 503 + Retry-After, then recovers once there is room', async () => {
    const full = mkdtempSync(join(tmpdir(), 'oauth-apps-full-'));
    const s = await startServer({ databaseUrl: `sqlite:${join(full, 'apps.db')}` });
    try {
      // No disk to fill here: max_page_count caps the file instead, and SQLite then fails a
      // write with the very error a full disk gives (SQLITE_FULL).
      const db = (s.store as unknown as { core: { db: { pragma(p: string): unknown; pragmaValue(p: string): unknown } } }).core.db;
      db.pragma(`max_page_count = ${Number(db.pragmaValue('page_count'))}`);
      const big = (i: number) => JSON.stringify({ ...docsCreateBody, client_id: `full-${i}`, metadata: { pad: 'x'.repeat(2000) } });
      let status = 200;
      for (let i = 0; i < 200 && status === 200; i++) {
        const res = await s.raw('/v1/oauth-apps', { method: 'POST', body: big(i), headers: { 'content-type': 'application/json' } });
        status = res.status;
        if (status !== 200) {
          expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
          expect((await expectError(res, 503)).summary).toBe('The database is unavailable; retry in a few seconds.');
        }
      }
      expect(status).toBe(503);
      db.pragma('max_page_count = 1073741823');
      const res = await s.raw('/v1/oauth-apps', { method: 'POST', body: big(999), headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
    } finally {
      await s.close();
      rmSync(full, { recursive: true, force: true });
    }
  });
});
