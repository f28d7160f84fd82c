import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { stopProcessGroup } from '../helpers/child.js';
import { onPostgres } from '../helpers/database.js';

// Start-up, data location and logs do not depend on the backend: run once, on the SQLite project.

const cli = join(packageRoot, 'dist', 'src', 'cli.js');
const children: ChildProcess[] = [];
afterAll(() => children.forEach(stopProcessGroup));

/** Spawns a command, collecting stdout and stderr; resolves with the base URL once the banner is out. */
function launch(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => (out.stdout += c));
  child.stderr!.on('data', (c: Buffer) => (out.stderr += c));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner:\n${out.stdout}${out.stderr}`)), 60_000);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(out.stdout);
      if (m && /cors: .*\n/.test(out.stdout)) (clearTimeout(timer), resolve(m[1]!));
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`exited ${code}:\n${out.stdout}${out.stderr}`))));
  });
  return { child, out, url };
}

function envWithout(...names: string[]): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of names) delete env[name];
  return env;
}

describe.skipIf(onPostgres)('JSON request logs', () => {
  it('reach stdout within a second of a single request (not held until 8 KiB build up)', async () => {
    const { child, out, url } = launch(process.execPath, [cli, '--port', '0', '--token', 'log-token', '--database-url', 'sqlite::memory:', '--log-level', 'info'], {
      cwd: packageRoot,
      env: { ...process.env, NODE_ENV: 'production' },
    });
    const base = await url;
    const sent = Date.now();
    expect((await fetch(`${base}/v1/oauth-apps`, { headers: { authorization: 'Bearer log-token' } })).status).toBe(200);
    const line = await new Promise<string>((resolve, reject) => {
      const find = () => out.stdout.split('\n').find((l) => l.includes('"route":"/v1/oauth-apps"'));
      const timer = setTimeout(() => reject(new Error(`no log line within 1 s; stdout so far:\n${out.stdout}`)), 1000);
      const check = () => {
        const found = find();
        if (found) (clearTimeout(timer), child.stdout!.off('data', check), resolve(found));
      };
      child.stdout!.on('data', check);
      check();
    });
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(JSON.parse(line)).toMatchObject({ msg: 'request', method: 'GET', route: '/v1/oauth-apps', status: 200 });
    expect(line).not.toContain('log-token');
  });
});

describe.skipIf(onPostgres)('where data goes', () => {
  it('`oauth-apps-api serve` in another project keeps data in memory unless told, and says so', async () => {
    const project = mkdtempSync(join(tmpdir(), 'oauth-apps-consumer-'));
    try {
      const { out, url } = launch(process.execPath, [cli, 'serve', '--port', '0', '--token', 't'], { cwd: project, env: envWithout('DATABASE_URL') });
      await url;
      expect(out.stdout).toMatch(/storage: SQLite in memory \(nothing is kept\) — keep it with --database-url sqlite:/);
      expect(existsSync(join(project, 'data'))).toBe(false);
      const file = launch(process.execPath, [cli, 'serve', '--port', '0', '--token', 't', '--database-url', 'sqlite:./apps.db'], { cwd: project, env: envWithout('DATABASE_URL') });
      await file.url;
      expect(file.out.stdout).toContain(`storage: SQLite file ${join(project, 'apps.db')}`);
      expect(existsSync(join(project, 'apps.db'))).toBe(true);
    } finally {
      children.forEach(stopProcessGroup);
      rmSync(project, { recursive: true, force: true });
    }
  });
});

describe.skipIf(onPostgres)('npm start', () => {
  it('starts at once on a fresh build: no rebuild, no docs build, and data in ./data/oauth-apps.db', async () => {
    const built = ['dist/src/cli.js', 'packages/client/esm/index.js', 'build/docs/index.html', 'build/docs/sandbox.html'].map((f) => [f, statSync(join(packageRoot, f)).mtimeMs] as const);
    const { child, out, url } = launch('npm', ['start', '--', '--port', '0', '--token', 't', '--log-level', 'warn'], { cwd: packageRoot, env: envWithout('DATABASE_URL') });
    const base = await url;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    stopProcessGroup(child);
    await expect.poll(() => fetch(`${base}/healthz`).then(() => 'answering', () => 'stopped'), { timeout: 10_000 }).toBe('stopped');
    expect(out.stdout).toContain(`storage: SQLite file ${join(packageRoot, 'data', 'oauth-apps.db')}`);
    const output = out.stdout + out.stderr;
    for (const sign of ['tsc', 'build:code', 'Prerendering', 'redocly', 'bundled successfully']) expect(output).not.toContain(sign);
    for (const [file, mtime] of built) expect(statSync(join(packageRoot, file)).mtimeMs, file).toBe(mtime);
  });
});

describe.skipIf(onPostgres)('scripts/ensure-built.mjs (what npm start and prepare rebuild)', () => {
  // A copy of the script in a scratch tree, so the check runs without touching this checkout.
  let root = '';
  afterAll(() => void (root && rmSync(root, { recursive: true, force: true })));
  const script = () => join(root, 'scripts', 'ensure-built.mjs');
  const stale = () => execFileSync(process.execPath, [script(), '--list'], { cwd: root, encoding: 'utf8' }).trim();
  const write = (file: string, at: number) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), '');
    utimesSync(join(root, file), at, at);
  };

  it('names a target stale when an output is missing or older than any input, and fresh otherwise', () => {
    root = mkdtempSync(join(tmpdir(), 'oauth-apps-ensure-built-'));
    mkdirSync(dirname(script()), { recursive: true });
    copyFileSync(join(packageRoot, 'scripts', 'ensure-built.mjs'), script());
    // Sources written long ago (their folders' times are now: a deleted file counts too).
    const now = Date.now() / 1000;
    for (const input of ['src/cli.ts', 'packages/client/src/index.ts', 'generated/schema.d.ts', 'docs/guides/api.md', 'redocly.yaml']) write(input, now - 1000);
    expect(stale()).toBe('code docs'); // nothing built
    for (const output of ['dist/src/cli.js', 'dist/cjs/testing.cjs', 'dist/esm/testing.mjs', 'dist/cjs/testing-msw.cjs', 'dist/esm/testing-msw.mjs', 'packages/client/esm/index.js', 'packages/client/cjs/index.js', 'packages/client/generated/openapi.json', 'build/docs/index.html', 'build/docs/sandbox.html', 'build/docs/try.html']) write(output, now + 100);
    expect(stale()).toBe('');
    write('src/http/new-file.ts', now + 200); // a new source, deep in a folder
    expect(stale()).toBe('code');
    for (const output of ['dist/src/cli.js', 'dist/cjs/testing.cjs', 'dist/esm/testing.mjs', 'dist/cjs/testing-msw.cjs', 'dist/esm/testing-msw.mjs', 'packages/client/esm/index.js', 'packages/client/cjs/index.js', 'packages/client/generated/openapi.json']) write(output, now + 300);
    expect(stale()).toBe('');
    write('docs/guides/sandbox.md', now + 400); // a guide changed: docs, not code
    expect(stale()).toBe('docs');
  });
});
