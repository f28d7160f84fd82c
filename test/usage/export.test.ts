import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessApi } from '../../src/testing/index.js';
import { packageRoot } from '../../src/paths.js';
import { readUsageFile } from '../../src/usage/format.js';
import { startChildServer, type ChildServer } from '../helpers/child.js';
import { dropTestSchemas, freshDatabaseUrl } from '../helpers/database.js';
import { freePort } from '../helpers/prism.js';

// `usage export` as a user runs it: the built CLI against a reference server (a real process
// on this project's store) after a consumer's requests; then `usage check` on what it wrote.
const cli = join(packageRoot, 'dist', 'src', 'cli.js');
const run = (args: string[], cwd: string) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
const TOKEN = 'export-token';
const SECRET = 'export-s3cret';

describe('usage export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'usage-export-'));
  let server: ChildServer;
  let databaseUrl: string;
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers } });

  beforeAll(async () => {
    databaseUrl = freshDatabaseUrl();
    server = await startChildServer({ databaseUrl, token: TOKEN, seed: true });
    expect((await call('/v1/oauth-apps?provider=stripe')).status).toBe(200);
    const created = await call('/v1/oauth-apps', { method: 'POST', body: JSON.stringify({ provider: 'hubspot', name: 'Exported', client_id: 'ex-1', client_secret: SECRET }) });
    expect(created.status).toBe(200);
    expect((await call('/v1/oauth-apps/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await dropTestSchemas(databaseUrl);
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the whole journal, oldest first, as the consumer’s usage file (folder created), secrets masked, no token', () => {
    const done = run(['usage', 'export', '--base-url', server.url, '--token', TOKEN, '--consumer', 'web-app', '--out', 'usage/web-app.json'], dir);
    expect(done.status, done.stderr).toBe(0);
    expect(done.stderr).toContain('usage/web-app.json: 3 exchanges of web-app');
    const text = readFileSync(join(dir, 'usage', 'web-app.json'), 'utf8');
    const usage = readUsageFile(join(dir, 'usage', 'web-app.json'));
    expect(usage).toMatchObject({ consumer: 'web-app', source: 'journal' });
    expect(usage.exchanges.map((e) => [e.operation_id, e.method, e.response.status])).toEqual([
      ['listOauthApps', 'GET', 200],
      ['createOauthApp', 'POST', 200],
      ['getOauthApp', 'GET', 404],
    ]);
    expect(usage.exchanges[0]!.query).toEqual({ provider: 'stripe' });
    expect(usage.exchanges[1]!.request.body).toMatchObject({ provider: 'hubspot', client_secret: '**********' });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TOKEN);
  });

  it('is checked by `usage check`: no break against today’s spec; a candidate without the enum value it sent is reported', () => {
    const ok = run(['usage', 'check', '--spec', join(packageRoot, 'generated', 'openapi.yaml'), 'usage/web-app.json'], dir);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('web-app: 3 exchange(s), no break');
    const spec = JSON.parse(readFileSync(join(packageRoot, 'generated', 'openapi.json'), 'utf8'));
    spec.components.schemas.Provider.enum = spec.components.schemas.Provider.enum.filter((p: string) => p !== 'hubspot');
    writeFileSync(join(dir, 'candidate.json'), JSON.stringify(spec));
    const broken = run(['usage', 'check', '--spec', 'candidate.json', 'usage'], dir);
    expect(broken.status, broken.stdout + broken.stderr).toBe(1);
    expect(broken.stdout).toMatch(/web-app.*POST \/v1\/oauth-apps/s);
    expect(broken.stdout).toContain('#/components/schemas/Provider/enum');
  });

  it('says why it cannot read a journal: a refused token, a server without its sandbox, nothing listening', async () => {
    const refused = run(['usage', 'export', '--base-url', server.url, '--token', 'wrong-token', '--consumer', 'web-app'], dir);
    expect([refused.status, refused.stderr]).toEqual([1, `oauth-apps-api usage: ${server.url} refused the token (401): use the server's token or a namespace's\n`]);

    const plain = await startChildServer({ databaseUrl: 'sqlite::memory:', token: TOKEN, extra: ['--no-sandbox'] });
    try {
      const noSandbox = run(['usage', 'export', '--base-url', plain.url, '--token', TOKEN, '--consumer', 'web-app'], dir);
      expect(noSandbox.status).toBe(1);
      expect(noSandbox.stderr).toContain('has no request journal (404): is it an oauth-apps-api server with its sandbox on?');
    } finally {
      plain.child.kill('SIGTERM');
      await plain.exited;
    }

    const nobody = run(['usage', 'export', '--base-url', `http://127.0.0.1:${await freePort()}`, '--token', TOKEN, '--consumer', 'web-app'], dir);
    expect(nobody.status).toBe(1);
    expect(nobody.stderr).toMatch(/cannot read the journal of http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    for (const r of [refused, nobody]) expect(r.stderr).not.toContain(TOKEN);
  });

  it('refuses bad input with the usage (exit 2), writing nothing', () => {
    for (const [args, message] of [
      [['--base-url', server.url, '--token', TOKEN], 'export needs --consumer NAME'],
      [['--base-url', server.url, '--token', TOKEN, '--consumer', 'web app'], "invalid --consumer 'web app'"],
      [['--token', TOKEN, '--consumer', 'web-app'], '--base-url is required'],
      [['--base-url', server.url, '--token', TOKEN, '--consumer', 'web-app', '--spec', 'x.yaml'], 'export takes no --spec'],
    ] as const) {
      const bad = run(['usage', 'export', ...args, '--out', 'bad/out.json'], dir);
      expect(bad.status, bad.stderr).toBe(2);
      expect(bad.stderr).toContain(message);
      expect(bad.stderr).toContain('oauth-apps-api usage export --base-url URL');
    }
    expect(() => readFileSync(join(dir, 'bad', 'out.json'))).toThrow();
  });
});

describe('api.usage() in-process', () => {
  it('returns the journal, oldest first, as the consumer’s usage file: secrets masked, no token', async () => {
    const api = await createInProcessApi({ seed: false, token: 'in-process-token' });
    const headers = { authorization: 'Bearer in-process-token', 'content-type': 'application/json' };
    await api.fetch('/v1/oauth-apps', { method: 'POST', headers, body: JSON.stringify({ provider: 'github', name: 'GH', client_id: 'gh', client_secret: SECRET }) });
    await api.fetch('/v1/oauth-apps?provider=github', { headers });
    const usage = await api.usage({ consumer: 'admin-ui' });
    await api.close();
    expect(usage).toMatchObject({ format: 'oauth-apps-api/usage', version: 1, consumer: 'admin-ui', source: 'in-process' });
    expect(usage.exchanges.map((e) => `${e.method} ${e.path} ${e.response.status}`)).toEqual(['POST /v1/oauth-apps 200', 'GET /v1/oauth-apps 200']);
    expect(usage.exchanges[0]!.request.body).toMatchObject({ client_secret: '**********' });
    expect((usage.exchanges[1]!.response.body as { data: { client_secret: string }[] }).data[0]!.client_secret).toBe('**********');
    const text = JSON.stringify(usage);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('in-process-token');
  });

  it('reads a journal kept larger than a page whole, oldest first, paging back with `before`', async () => {
    const api = await createInProcessApi({ seed: false, journalSize: 2500 });
    const total = 2003;
    for (let i = 0; i < total; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, total - i) }, (_, j) => api.fetch(`/v1/oauth-apps?limit=${((i + j) % 100) + 1}&n=${i + j}`, { headers: { authorization: 'Bearer test-token' } })));
    }
    const usage = await api.usage({ consumer: 'busy' });
    await api.close();
    expect(usage.exchanges).toHaveLength(total);
    const times = usage.exchanges.map((e) => e.time!);
    expect([...times].sort()).toEqual(times);
    // Every request once: none lost at a page's edge, none read twice.
    const sent = usage.exchanges.map((e) => Number(new URLSearchParams(e.query as Record<string, string>).get('n')));
    expect([...sent].sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, k) => k));
  });

  it('refuses a consumer name the format does not allow', async () => {
    const api = await createInProcessApi({ seed: false });
    await expect(api.usage({ consumer: 'web app' })).rejects.toThrow(/consumer/);
    await api.close();
  });

  // The guide's example (docs/usage.md), run as a consumer runs it: its own vitest, in its own
  // folder, with this package and its client installed; its teardown writes usage/web-app.json.
  it('the guide’s example test writes usage/web-app.json in its teardown, which `usage check` passes', () => {
    const project = mkdtempSync(join(tmpdir(), 'usage-teardown-'));
    try {
      mkdirSync(join(project, 'node_modules'));
      symlinkSync(packageRoot, join(project, 'node_modules', 'oauth-apps-api'));
      symlinkSync(join(packageRoot, 'packages', 'client'), join(project, 'node_modules', 'oauth-apps-api-client'));
      symlinkSync(join(packageRoot, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'));
      copyFileSync(join(packageRoot, 'test', 'usage', 'examples', 'web-app.test.ts'), join(project, 'web-app.test.ts'));
      writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
      const vitest = spawnSync(process.execPath, [join(packageRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
      expect(vitest.status, vitest.stdout + vitest.stderr).toBe(0);
      const usage = readUsageFile(join(project, 'usage', 'web-app.json'));
      expect(usage.exchanges.map((e) => `${e.method} ${e.path} ${e.response.status}`)).toEqual(['POST /v1/oauth-apps 200', 'GET /v1/oauth-apps 200']);
      expect(readFileSync(join(project, 'usage', 'web-app.json'), 'utf8')).not.toContain('s3cret');
      const check = run(['usage', 'check', '--spec', join(packageRoot, 'generated', 'openapi.yaml'), 'usage'], project);
      expect(check.status, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain('web-app: 2 exchange(s), no break');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
