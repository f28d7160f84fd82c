// Beside npm (test/packages.test.ts, test/setups/runners.test.ts): both tarballs installed
// with pnpm 10 (its strict layout) and Yarn 4 (node-modules linker), one empty project each,
// and there the in-process API, the CLI's `serve` and its `contract` suite against that server.
// Both tools come from the npm registry (the only one reached), installed once into a scratch folder.
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot as repo } from '../../src/paths.js';
import { stopProcessGroup } from '../helpers/child.js';
import { onPostgres } from '../helpers/database.js';
import { packedTarballs, type Tarballs } from '../helpers/packed.js';

const exec = promisify(execFile);
// node:sqlite from Node 22.13 (src/store/sqlite-driver.ts); before, better-sqlite3, which the
// consumer adds as the kit's error says, and which pnpm and Yarn leave unbuilt here.
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const usesBetterSqlite = major < 22 || (major === 22 && minor < 13);
const betterSqliteVersion = (JSON.parse(readFileSync(join(repo, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string }).version;

const inProcess = `import { createOauthAppsClient } from 'oauth-apps-api-client';
import { createInProcessApi } from 'oauth-apps-api/testing';
try {
  const api = await createInProcessApi({ seed: false });
  const client = createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: api.fetch });
  const created = await client.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: 'pm', client_secret: 's', name: 'PM' } });
  const listed = await client.GET('/v1/oauth-apps', {});
  await api.close();
  console.log(JSON.stringify({ created: created.response.status, listed: listed.data.data.length }));
} catch (err) {
  console.log(JSON.stringify({ error: err.message }));
}
`;

const managers = {
  pnpm: {
    bin: 'node_modules/pnpm/bin/pnpm.cjs',
    // No lockfile yet: under CI=true pnpm would insist on a frozen one.
    install: ['install', '--no-frozen-lockfile', '--reporter=append-only'],
    manifest: (t: Tarballs) => ({ pnpm: { overrides: { 'oauth-apps-api-client': `file:${t.client}` } } }),
    files: {} as Record<string, string>,
    env: {},
  },
  yarn: {
    bin: 'node_modules/@yarnpkg/cli-dist/bin/yarn.js',
    install: ['install'],
    manifest: (t: Tarballs) => ({ resolutions: { 'oauth-apps-api-client': `file:${t.client}` } }),
    // Where better-sqlite3 is needed, scripts off: its own would compile SQLite for minutes here
    // (no prebuilt binary reachable). On a current Node scripts are on, and none needs to run.
    files: { '.yarnrc.yml': `nodeLinker: node-modules\nenableScripts: ${!usesBetterSqlite}\nenableTelemetry: false\n` } as Record<string, string>,
    env: { YARN_ENABLE_IMMUTABLE_INSTALLS: 'false', YARN_ENABLE_GLOBAL_CACHE: 'false' },
  },
};

describe.skipIf(onPostgres)('the packed kit installed with pnpm 10 and Yarn 4', () => {
  let work: string;
  let tools: Promise<string>;
  let tarballs: Promise<Tarballs>;
  const report: Record<string, Record<string, unknown>> = {};

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'oauth-apps-pm-'));
    tarballs = packedTarballs();
    tools = exec('npm', ['install', '--prefix', join(work, 'tools'), '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'pnpm@10', '@yarnpkg/cli-dist@4'], { cwd: work }).then(() => join(work, 'tools'));
    tools.catch(() => undefined);
    tarballs.catch(() => undefined);
  });

  afterAll(async () => {
    console.log(`package managers: ${JSON.stringify(report)}`);
    if (work) await rm(work, { recursive: true, force: true });
  }, 180_000);

  for (const [name, pm] of Object.entries(managers)) {
    it(`${name}: installs both tarballs, runs the in-process API, \`serve\` and \`contract\``, async () => {
      const t = await tarballs;
      const bin = join(await tools, pm.bin);
      const dir = join(work, name);
      mkdirSync(dir);
      const dependencies = { 'oauth-apps-api': `file:${t.kit}`, 'oauth-apps-api-client': `file:${t.client}`, ...(usesBetterSqlite ? { 'better-sqlite3': betterSqliteVersion } : {}) };
      const manifest = { name: 'consumer', private: true, dependencies, ...pm.manifest(t) };
      writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
      for (const [file, content] of Object.entries(pm.files)) writeFileSync(join(dir, file), content);
      const env = { ...process.env, ...pm.env };
      const started = performance.now();
      const installed = await exec(process.execPath, [bin, ...pm.install], { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 });
      const version = (await exec(process.execPath, [bin, '--version'], { cwd: dir, env })).stdout.trim();
      const out = `${installed.stdout}\n${installed.stderr}`;
      const ignoredBuilds = /Ignored build scripts: ([^\n│]*?)\.?\s*(?:│|\n)/.exec(out)?.[1]?.trim() ?? null;
      const mustBeBuilt = [...out.matchAll(/YN0007: │ (\S+) must be built/g)].map((m) => m[1]);
      report[name] = { version, installMs: Math.round(performance.now() - started), ignoredBuilds, mustBeBuilt };
      // On a current Node nothing needs a build script (no approval for pnpm, nothing for Yarn to build).
      if (!usesBetterSqlite) expect({ ignoredBuilds, mustBeBuilt, ERR_PNPM_IGNORED_BUILDS: out.includes('ERR_PNPM_IGNORED_BUILDS') }).toEqual({ ignoredBuilds: null, mustBeBuilt: [], ERR_PNPM_IGNORED_BUILDS: false });

      const kit = realpathSync(join(dir, 'node_modules', 'oauth-apps-api'));
      writeFileSync(join(dir, 'in-process.mjs'), inProcess);
      const runInProcess = async () => JSON.parse((await exec(process.execPath, ['in-process.mjs'], { cwd: dir })).stdout) as { created?: number; error?: string };
      if (usesBetterSqlite) {
        // better-sqlite3 installed, its build script not run: what the kit says then.
        const unbuilt = await runInProcess();
        expect(unbuilt.error).toMatch(/needs better-sqlite3's native addon, which is not built for this Node \(Could not locate the bindings file/);
        expect(unbuilt.error).toMatch(/pnpm approve-builds/);
        expect(unbuilt.error).toMatch(/node:sqlite.*PostgreSQL/);
        // Then its binary from this checkout's build (same version), as a built install has it.
        const pkg = dirname(createRequire(join(kit, 'package.json')).resolve('better-sqlite3/package.json'));
        expect((JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version).toBe(betterSqliteVersion);
        const binary = join('build', 'Release', 'better_sqlite3.node');
        mkdirSync(dirname(join(pkg, binary)), { recursive: true });
        copyFileSync(join(repo, 'node_modules', 'better-sqlite3', binary), join(pkg, binary));
      }
      const t0 = performance.now();
      expect(await runInProcess()).toEqual({ created: 200, listed: 1 });
      report[name].inProcessMs = Math.round(performance.now() - t0);

      // The CLI, as `node_modules/.bin/oauth-apps-api` (what `pnpm exec` / `yarn` run).
      const cli = join(dir, 'node_modules', '.bin', 'oauth-apps-api');
      const child = spawn(cli, ['serve', '--port', '0', '--token', 'pm-token'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let log = '';
      child.stdout.on('data', (c: Buffer) => (log += c));
      child.stderr.on('data', (c: Buffer) => (log += c));
      try {
        const url = await new Promise<string>((ok, fail) => {
          const timer = setTimeout(() => fail(new Error(`no banner:\n${log}`)), 60_000);
          child.stdout.on('data', () => {
            const m = /listening on (http:\/\/\S+)/.exec(log);
            if (m) (clearTimeout(timer), ok(m[1]!));
          });
          child.once('exit', (code) => (clearTimeout(timer), fail(new Error(`exited ${code}:\n${log}`))));
        });
        const t1 = performance.now();
        const contract = await exec(cli, ['contract', url, '--token', 'pm-token'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 }).catch((err: { stdout: string; stderr: string; code: number }) => err);
        report[name].contractMs = Math.round(performance.now() - t1);
        expect('code' in contract ? contract.code : 0, `${contract.stdout}\n${contract.stderr}`).toBe(0);
        expect(contract.stdout).toMatch(/pass/i);
      } finally {
        stopProcessGroup(child);
      }
    }, 600_000);
  }
});
