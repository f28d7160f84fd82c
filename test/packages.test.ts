// The two packages as their users meet them: `npm pack`, install each tarball into an empty
// project, then type-check, run and bundle there. Nothing here imports from the repository's
// sources: a missing `files` entry, a dev-only dependency or a broken `exports` map fails.
// Slow (installs), so one file, tarballs packed once, and the kit's install (~360 packages)
// runs while the client's checks do.
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot as repo } from '../src/paths.js';
import { stopProcessGroup } from './helpers/child.js';
import { onPostgres } from './helpers/database.js';
import { packedTarballs } from './helpers/packed.js';
import { startServer, type TestServer } from './helpers/server.js';

const exec = promisify(execFile);
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const esbuild = join(repo, 'node_modules', '.bin', 'esbuild');
const npmInstall = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
// The kit's SQLite driver on this line (src/store/sqlite-driver.ts): node:sqlite from Node 22.13;
// before that better-sqlite3, an optional peer the consumer installs.
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const usesBetterSqlite = major < 22 || (major === 22 && minor < 13);

/** An empty project with the given tarballs installed (`npm install <tarball>`). */
async function project(dir: string, tarballs: string[], extraArgs: string[] = []): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  await exec('npm', [...npmInstall, ...extraArgs, ...tarballs], { cwd: dir });
  return dir;
}

/** Packages npm installed (from its hidden lockfile) and their bytes on disk. */
function installed(dir: string): { packages: string[]; bytes: number } {
  const lock = JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  const packages = Object.keys(lock.packages).map((p) => p.replace(/^.*node_modules\//, ''));
  return { packages, bytes: bytesUnder(join(dir, 'node_modules')) };
}

function bytesUnder(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + bytesUnder(join(path, name)), 0);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Every source map of an installed package names only files the package has. */
function expectSourceMapsResolve(pkgDir: string) {
  const maps = filesUnder(pkgDir).filter((f) => f.endsWith('.map'));
  expect(maps.length).toBeGreaterThan(0);
  for (const map of maps) {
    const { sources, sourceRoot = '' } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[]; sourceRoot?: string };
    for (const source of sources) {
      const file = resolve(dirname(map), sourceRoot, source);
      expect(existsSync(file), `${relative(pkgDir, map)} → ${source}`).toBe(true);
    }
  }
}

const consumerTs = `
import { createOauthAppsClient, metadataFilter, type OauthApp } from 'oauth-apps-api-client';
import { createSandboxClient, type Fault } from 'oauth-apps-api-client/sandbox';

const api = createOauthAppsClient({ baseUrl: 'http://127.0.0.1:3000', token: 't' });
const sandbox = createSandboxClient({ baseUrl: 'http://127.0.0.1:3000', token: 't' });

export async function typed(): Promise<OauthApp | undefined> {
  const { data } = await api.GET('/v1/oauth-apps/{id}', { params: { path: { id: 'x' } } });
  await api.GET('/v1/oauth-apps', { params: { query: { metadata: metadataFilter({ a: 1 }) } } });
  // @ts-expect-error 'myspace' is not a provider: the types are the contract's, not any
  await api.POST('/v1/oauth-apps', { body: { provider: 'myspace', client_id: 'a', client_secret: 'b', name: 'c' } });
  const faults = await sandbox.GET('/__sandbox/faults');
  const first: Fault | undefined = faults.data?.data[0];
  // @ts-expect-error a fault's status is a number
  const wrong: string | undefined = first?.status;
  void wrong;
  return data;
}
`;

/** Runs every operation through the client against baseUrl; prints the statuses as JSON. */
const runBody = (load: string) => `${load}
const [baseUrl, token] = process.argv.slice(2);
const api = createOauthAppsClient({ baseUrl, token });
const sandbox = createSandboxClient({ baseUrl, token });
(async () => {
  const statuses = [];
  const created = await api.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: 'pack-' + Math.random(), client_secret: 's', name: 'Packed' } });
  statuses.push(created.response.status);
  const id = created.data.id;
  statuses.push((await api.GET('/v1/oauth-apps', { params: { query: { metadata: metadataFilter({}) } } })).response.status);
  statuses.push((await api.GET('/v1/oauth-apps/{id}', { params: { path: { id } } })).response.status);
  const renamed = await api.PATCH('/v1/oauth-apps/{id}', { params: { path: { id } }, body: { name: 'Renamed' } });
  statuses.push(renamed.response.status);
  statuses.push((await api.DELETE('/v1/oauth-apps/{id}', { params: { path: { id } } })).response.status);
  const gone = await api.GET('/v1/oauth-apps/{id}', { params: { path: { id } } });
  statuses.push((await sandbox.GET('/__sandbox/faults')).response.status);
  console.log(JSON.stringify({ statuses, name: renamed.data.name, gone: gone.response.status, error: gone.error.summary }));
})();
`;

/** Creates an app through the in-process API: its status, or the error that stopped it. */
const noNative = `import { createInProcessApi } from 'oauth-apps-api/testing';
try {
  const api = await createInProcessApi({ seed: false });
  const res = await api.fetch(new Request('http://api.test/v1/oauth-apps', { method: 'POST', headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'stripe', client_id: 'c', client_secret: 's', name: 'n' }) }));
  await api.close();
  console.log(JSON.stringify({ status: res.status }));
} catch (err) {
  console.log(JSON.stringify({ error: err.message }));
}`;

describe.skipIf(onPostgres)('packed packages, installed into empty projects (once: packaging does not depend on the backend)', () => {
  let work: string;
  let clientProject: Promise<string>;
  let kitProject: Promise<string>;
  let server: TestServer;
  const figures: Record<string, unknown> = {};
  let noNativeResult: { status?: number; error?: string } | undefined;

  beforeAll(async () => {
    const stale = (await exec(process.execPath, [join(repo, 'scripts', 'ensure-built.mjs'), '--list'])).stdout.trim();
    expect(stale, 'the build is older than its sources: run `npm run build` before this test').toBe('');
    work = mkdtempSync(join(tmpdir(), 'oauth-apps-packages-'));
    // Packed once per build, shared with test/setups/ (test/helpers/packed.ts).
    const { client: clientTgz, kit: kitTgz } = await packedTarballs();
    figures.tarballs = { client: statSync(clientTgz).size, kit: statSync(kitTgz).size };
    clientProject = project(join(work, 'client'), [clientTgz]);
    // The kit as `npm i -D oauth-apps-api` installs it, timed: with install scripts on, since on a
    // current Node there is nothing to build (better-sqlite3 and Prism are optional peers). On a
    // Node without node:sqlite, the consumer then adds better-sqlite3 as the kit's error says;
    // its binary comes from this checkout's build of the same version (compiling SQLite takes
    // minutes here, with no prebuilt binary reachable).
    kitProject = (async () => {
      const dir = join(work, 'kit');
      const started = performance.now();
      await project(dir, [kitTgz, clientTgz], ['--save-dev']);
      const { packages, bytes } = installed(dir);
      figures.kit = { packages: packages.length, bytes, megabytes: Math.round(bytes / 1e5) / 10, installSeconds: Math.round(performance.now() - started) / 1000, node: process.versions.node, npmCache: 'warm (--prefer-offline)' };
      if (usesBetterSqlite) {
        writeFileSync(join(dir, 'no-native.mjs'), noNative);
        noNativeResult = JSON.parse((await exec(process.execPath, ['no-native.mjs'], { cwd: dir })).stdout) as typeof noNativeResult;
        const version = (JSON.parse(readFileSync(join(repo, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string }).version;
        await exec('npm', [...npmInstall, '--ignore-scripts', '--save-dev', `better-sqlite3@${version}`], { cwd: dir });
        const binary = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
        mkdirSync(dirname(join(dir, binary)), { recursive: true });
        copyFileSync(join(repo, binary), join(dir, binary));
      }
      return dir;
    })();
    kitProject.catch(() => undefined); // awaited by the kit's tests
    server = await startServer();
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await kitProject?.catch(() => undefined);
    console.log(`packages: ${JSON.stringify(figures)}`);
    mkdirSync(join(repo, 'build'), { recursive: true });
    writeFileSync(join(repo, 'build', 'packages-report.json'), `${JSON.stringify(figures, null, 2)}\n`);
    if (work) await rm(work, { recursive: true, force: true }); // the kit's ~370 packages: slow on a busy disk
  }, 180_000);

  describe('oauth-apps-api-client', () => {
    it('installs at most 3 packages and 1 MB, openapi-fetch its only runtime dependency', async () => {
      const dir = await clientProject;
      const { packages, bytes } = installed(dir);
      figures.client = { packages: packages.length, bytes, names: packages };
      expect(packages).toContain('oauth-apps-api-client');
      expect(packages).toContain('openapi-fetch');
      expect(packages.length).toBeLessThanOrEqual(3);
      expect(bytes).toBeLessThanOrEqual(1_000_000);
      const manifest = JSON.parse(readFileSync(join(dir, 'node_modules', 'oauth-apps-api-client', 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(manifest.dependencies as object)).toEqual(['openapi-fetch']);
      expect(manifest.private).toBeUndefined();
    }, 120_000);

    it('ships the bundled spec files and source maps that point only at shipped files', async () => {
      const pkg = join(await clientProject, 'node_modules', 'oauth-apps-api-client');
      for (const file of ['openapi.yaml', 'openapi.json', 'sandbox.yaml', 'sandbox.json']) {
        expect(readFileSync(join(pkg, 'generated', file), 'utf8')).toBe(readFileSync(join(repo, 'packages', 'client', 'generated', file), 'utf8'));
      }
      expectSourceMapsResolve(pkg);
    }, 120_000);

    // Concurrently: each is a tsc process of its own.
    it.concurrent.each([
      ['bundler', { module: 'ESNext', moduleResolution: 'Bundler' }, ['consumer.ts']],
      ['nodenext (ESM and CommonJS files)', { module: 'NodeNext', moduleResolution: 'NodeNext' }, ['consumer.mts', 'consumer.cts']],
      ['node10', { module: 'CommonJS', moduleResolution: 'Node10' }, ['consumer.ts']],
    ])('type-checks a consumer under moduleResolution %s', async (name, options, files) => {
      const dir = join(await clientProject, `types-${name.split(' ')[0]}`);
      mkdirSync(dir, { recursive: true });
      for (const file of files) writeFileSync(join(dir, file), consumerTs);
      const compilerOptions = { ...options, target: 'ES2022', lib: ['ES2022', 'DOM'], strict: true, noEmit: true, skipLibCheck: false, skipDefaultLibCheck: true, types: [] };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
      const result = await exec(process.execPath, [tsc, '-p', dir]).catch((err: { stdout: string }) => err);
      expect(result.stdout).toBe('');
    }, 120_000);

    it.each([
      ['an ES module', 'run.mjs', `import { createOauthAppsClient, metadataFilter } from 'oauth-apps-api-client';\nimport { createSandboxClient } from 'oauth-apps-api-client/sandbox';`],
      ['CommonJS', 'run.cjs', `const { createOauthAppsClient, metadataFilter } = require('oauth-apps-api-client');\nconst { createSandboxClient } = require('oauth-apps-api-client/sandbox');`],
    ])('runs every operation against the reference server from %s', async (_kind, file, load) => {
      const dir = await clientProject;
      writeFileSync(join(dir, file), runBody(load));
      const { stdout } = await exec(process.execPath, [file, server.url, server.token], { cwd: dir });
      expect(JSON.parse(stdout)).toEqual({ statuses: [200, 200, 200, 200, 200, 200], name: 'Renamed', gone: 404, error: expect.any(String) });
    }, 120_000);

    it('bundles for the browser (a file calling every operation) under 10 KB minified', async () => {
      const dir = await clientProject;
      writeFileSync(join(dir, 'browser.mjs'), runBody(`import { createOauthAppsClient, metadataFilter } from 'oauth-apps-api-client';\nimport { createSandboxClient } from 'oauth-apps-api-client/sandbox';\nconst process = { argv: ['', '', location.origin, 'token'] };`));
      await exec(esbuild, ['browser.mjs', '--bundle', '--minify', '--platform=browser', '--format=esm', '--outfile=bundle.js', '--log-level=error'], { cwd: dir });
      const bytes = statSync(join(dir, 'bundle.js')).size;
      figures.browserBundleBytes = bytes;
      expect(readFileSync(join(dir, 'bundle.js'), 'utf8')).toContain('/v1/oauth-apps/{id}');
      expect(bytes).toBeLessThan(10 * 1024);
    }, 120_000);
  });

  describe('oauth-apps-api (the kit)', () => {
    it('installs what it runs, no build-time tool, and nothing to compile', async () => {
      const dir = await kitProject;
      const lock = JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
      const packages = Object.keys(lock.packages).map((p) => p.replace(/^.*node_modules\//, ''));
      for (const tool of ['typescript', 'tsx', '@redocly/cli', 'openapi-typescript', 'vitest', 'playwright-core']) expect(packages).not.toContain(tool);
      for (const runtime of ['oauth-apps-api-client', 'express', 'express-openapi-validator', 'light-my-request']) expect(packages).toContain(runtime);
      // Optional peers: Prism only for `mock`/`proxy`, better-sqlite3 only where Node has no node:sqlite.
      expect(packages).not.toContain('@stoplight/prism-cli');
      if (!usesBetterSqlite) expect(packages).not.toContain('better-sqlite3');
      const withScripts = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript).map(([name]) => name.replace(/^.*node_modules\//, ''));
      expect(withScripts).toEqual(usesBetterSqlite ? ['better-sqlite3'] : []);
      const manifest = JSON.parse(readFileSync(join(dir, 'node_modules', 'oauth-apps-api', 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
      expect(manifest.private).toBeUndefined();
      expect(manifest.optionalDependencies).toBeUndefined();
      for (const peer of ['better-sqlite3', '@stoplight/prism-cli', 'msw']) {
        expect(manifest.dependencies).not.toHaveProperty(peer);
        expect(manifest.peerDependenciesMeta![peer]).toEqual({ optional: true });
      }
      expectSourceMapsResolve(join(dir, 'node_modules', 'oauth-apps-api'));
    }, 240_000);

    it('says how to install Prism when `mock` runs without it', async () => {
      const result = await exec(join(await kitProject, 'node_modules', '.bin', 'oauth-apps-api'), ['mock', '--port', '0']).catch((err: { code: number; stderr: string }) => err);
      expect('code' in result && result.code).toBe(1);
      expect(result.stderr).toMatch(/Prism, an optional peer dependency of oauth-apps-api that is not installed/);
      expect(result.stderr).toContain('npm i -D @stoplight/prism-cli@5.14');
    }, 240_000);

    it('runs `npx oauth-apps-api --help`', async () => {
      const { stdout } = await exec('npx', ['--no-install', 'oauth-apps-api', '--help'], { cwd: await kitProject });
      expect(stdout).toMatch(/^Usage:/m);
      expect(stdout).toContain('--database-url');
    }, 240_000);

    it('ships the usage schema (oauth-apps-api/usage.schema.json) and runs `npx oauth-apps-api usage check` on the shipped fixture', async () => {
      const dir = await kitProject;
      const { stdout: resolved } = await exec(process.execPath, ['-p', "require.resolve('oauth-apps-api/usage.schema.json')"], { cwd: dir });
      expect(JSON.parse(readFileSync(resolved.trim(), 'utf8')).properties.format.const).toBe('oauth-apps-api/usage');
      const kit = join('node_modules', 'oauth-apps-api');
      const { stdout } = await exec('npx', ['--no-install', 'oauth-apps-api', 'usage', 'check', '--spec', join(kit, 'build', 'docs', 'openapi.yaml'), join(kit, 'fixtures', 'usage', 'web-app.json')], { cwd: dir });
      expect(stdout).toContain('web-app: 5 exchange(s), no break');
    }, 240_000);

    it('serves from `npx oauth-apps-api serve`: data in memory (no file written), docs and spec included', async () => {
      const dir = await kitProject;
      const env = { ...process.env };
      delete env.DATABASE_URL;
      const child = spawn('npx', ['--no-install', 'oauth-apps-api', 'serve', '--port', '0', '--token', 'pack-token'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.stderr.on('data', (c: Buffer) => (out += c));
      try {
        const url = await new Promise<string>((ok, fail) => {
          const timer = setTimeout(() => fail(new Error(`no banner:\n${out}`)), 30_000);
          child.stdout.on('data', () => {
            const m = /listening on (http:\/\/\S+)/.exec(out);
            if (m) (clearTimeout(timer), ok(m[1]!));
          });
          child.once('exit', (code) => (clearTimeout(timer), fail(new Error(`exited ${code}:\n${out}`))));
        });
        await new Promise((r) => setTimeout(r, 100)); // the rest of the banner
        expect(out).toMatch(/storage: SQLite in memory/);
        const list = await fetch(`${url}/v1/oauth-apps`, { headers: { authorization: 'Bearer pack-token' } });
        expect(list.status).toBe(200);
        expect(((await list.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0); // the bundled seed
        expect((await fetch(`${url}/docs`)).status).toBe(200);
        expect(await (await fetch(`${url}/openapi.yaml`)).text()).toBe(readFileSync(join(repo, 'packages', 'client', 'generated', 'openapi.yaml'), 'utf8'));
        expect(existsSync(join(dir, 'data'))).toBe(false);
        stopProcessGroup(child);
        await expect.poll(() => fetch(`${url}/healthz`).then(() => 'answering', () => 'stopped'), { timeout: 10_000 }).toBe('stopped');
      } finally {
        stopProcessGroup(child);
      }
    }, 240_000);

    it('runs the in-process API from `oauth-apps-api/testing`: type-checked, the typed client on its fetch, no server', async () => {
      const dir = await kitProject;
      // Valid as TypeScript (type-checked as .mts) and as JavaScript (run as .mjs).
      const source = `import { createOauthAppsClient } from 'oauth-apps-api-client';
import { createInProcessApi } from 'oauth-apps-api/testing';
const api = await createInProcessApi({ seed: false });
const client = createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: api.fetch });
const created = await client.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: 'packed', client_secret: 's', name: 'Packed' } });
const listed = await client.GET('/v1/oauth-apps', {});
const refused = await createOauthAppsClient({ baseUrl: 'http://api.test', token: 'wrong', fetch: api.fetch }).GET('/v1/oauth-apps', {});
await api.close();
console.log(JSON.stringify({ created: created.response.status, listed: listed.data?.data.map((a) => a.id === created.data?.id), refused: refused.error?.summary }));
`;
      mkdirSync(join(dir, 'in-process'), { recursive: true });
      writeFileSync(join(dir, 'in-process', 'consumer.mts'), source);
      writeFileSync(join(dir, 'in-process.mjs'), source);
      const compilerOptions = { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022', 'DOM'], strict: true, noEmit: true, skipLibCheck: true, types: [] };
      writeFileSync(join(dir, 'in-process', 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.mts'] }));
      const result = await exec(process.execPath, [tsc, '-p', join(dir, 'in-process')]).catch((err: { stdout: string }) => err);
      expect(result.stdout).toBe('');
      const { stdout } = await exec(process.execPath, ['in-process.mjs'], { cwd: dir });
      expect(JSON.parse(stdout)).toEqual({ created: 200, listed: [true], refused: expect.stringMatching(/token/i) });
    }, 240_000);

    it('type-checks and imports the client re-exported by `oauth-apps-api` and `oauth-apps-api/sandbox`', async () => {
      const dir = await kitProject;
      writeFileSync(
        join(dir, 'reexports.mjs'),
        `import * as kit from 'oauth-apps-api';
import * as kitSandbox from 'oauth-apps-api/sandbox';
import * as client from 'oauth-apps-api-client';
import * as clientSandbox from 'oauth-apps-api-client/sandbox';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
// The spec files the kit exported before the split still resolve, with the client's content.
const require = createRequire(import.meta.url);
const specs = ['openapi.yaml', 'openapi.json', 'sandbox.yaml', 'sandbox.json'].every((f) => readFileSync(require.resolve('oauth-apps-api/' + f), 'utf8') === readFileSync(require.resolve('oauth-apps-api-client/' + f), 'utf8'));
console.log(JSON.stringify({ same: kit.createOauthAppsClient === client.createOauthAppsClient && kit.metadataFilter === client.metadataFilter && kitSandbox.createSandboxClient === clientSandbox.createSandboxClient, kind: typeof kit.createOauthAppsClient, specs }));`,
      );
      const { stdout } = await exec(process.execPath, ['reexports.mjs'], { cwd: dir });
      expect(JSON.parse(stdout)).toEqual({ same: true, kind: 'function', specs: true });
      writeFileSync(join(dir, 'consumer.mts'), consumerTs.replaceAll("'oauth-apps-api-client", "'oauth-apps-api"));
      const compilerOptions = { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022', 'DOM'], strict: true, noEmit: true, skipLibCheck: true, types: [] };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.mts'] }));
      const result = await exec(process.execPath, [tsc, '-p', dir]).catch((err: { stdout: string }) => err);
      expect(result.stdout).toBe('');
    }, 240_000);

    // Before the consumer adds better-sqlite3 (on a Node without node:sqlite), or as installed
    // (on a current Node, which needs none).
    it(`without better-sqlite3, ${usesBetterSqlite ? 'SQLite storage names the package and the install command' : 'SQLite storage works (node:sqlite)'}`, async () => {
      const dir = await kitProject;
      if (usesBetterSqlite) {
        expect(noNativeResult?.error).toMatch(/needs the better-sqlite3 package, an optional peer dependency of oauth-apps-api that is not installed/);
        expect(noNativeResult?.error).toContain('npm i -D better-sqlite3@12');
        expect(noNativeResult?.error).toMatch(/Node 22\.13\+ and 24 use their built-in node:sqlite/);
        expect(noNativeResult?.error).toMatch(/PostgreSQL/);
      } else {
        expect(existsSync(join(dir, 'node_modules', 'better-sqlite3'))).toBe(false);
        writeFileSync(join(dir, 'no-native.mjs'), noNative);
        const { stdout, stderr } = await exec(process.execPath, ['no-native.mjs'], { cwd: dir });
        expect(JSON.parse(stdout)).toEqual({ status: 200 });
        expect(stderr).not.toMatch(/ExperimentalWarning/); // Node 22's for node:sqlite, dropped
      }
    }, 240_000);
  });
});
