// The journal's commands as a user runs them: the built CLI, spawned, against a server whose
// journal the test fills through the API.
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createNamespace, type RequestEntry } from 'oauth-apps-api-client/sandbox';
import { run as tail } from '../../src/cli/tail.js';
import { packageRoot } from '../../src/paths.js';
import { docsCreateBody, startServer, TOKEN, type TestServer } from '../helpers/server.js';

const cli = join(packageRoot, 'dist', 'src', 'cli.js');
const run = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, [cli, ...args], { env: { ...process.env, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );

let server: TestServer;
beforeAll(async () => void (server = await startServer({ seed: [] })));
afterAll(() => server?.close());
beforeEach(async () => void (await server.raw('/__sandbox/reset', { method: 'POST' })));

describe('oauth-apps-api coverage', () => {
  it('prints the operation x status table and the percentage; --min fails the build under it', async () => {
    const { data } = await server.client.POST('/v1/oauth-apps', { body: docsCreateBody });
    await server.client.GET('/v1/oauth-apps/{id}', { params: { path: { id: data!.id } } });
    await server.client.GET('/v1/oauth-apps/{id}', { params: { path: { id: '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8' } } });
    await server.raw('/v1/nowhere');

    const ok = await run(['coverage', '--base-url', server.url, '--token', TOKEN]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/request journal \(4 requests\)/);
    expect(ok.stdout).toMatch(/getOauthApp\s+GET \/v1\/oauth-apps\/\{id\}\s+2\/\d+\s+reached 200×1 404×1\s+not reached 400 401/);
    expect(ok.stdout).toMatch(/createOauthApp\s+POST \/v1\/oauth-apps\s+1\/\d+\s+reached 200×1/);
    expect(ok.stdout).toMatch(/Answered but not documented:\n\s+\(no such route\)\s+404×1/);
    const [, covered, documented, percent] = /(\d+) of (\d+) documented responses reached \(([\d.]+)%\)/.exec(ok.stdout)!;
    expect(Number(covered)).toBe(3);
    expect(Number(percent)).toBe(Math.round((3 / Number(documented)) * 1000) / 10);

    const under = await run(['coverage', '--base-url', server.url, '--min', '80'], { API_TOKEN: TOKEN });
    expect(under.code).toBe(1);
    expect(under.stderr).toMatch(`coverage ${percent}% is under --min 80%`);
    expect((await run(['coverage', '--base-url', server.url, '--token', TOKEN, '--min', '4'])).code).toBe(0);
  });

  it('writes JUnit XML: reached pairs pass, others are skipped, the --min gate fails', async () => {
    await server.client.GET('/v1/oauth-apps', {});
    const dir = mkdtempSync(join(tmpdir(), 'coverage-junit-'));
    try {
      const file = join(dir, 'reports', 'coverage.xml');
      const res = await run(['coverage', '--base-url', server.url, '--token', TOKEN, '--min', '50', '--reporter', 'junit', '--output', file]);
      expect(res.code).toBe(1);
      const xml = readFileSync(file, 'utf8');
      expect(xml).toMatch(/<testcase classname="oauth-apps-api.coverage" name="listOauthApps 200"[^>]*>\s*<system-out>/);
      expect(xml).toMatch(/<testcase classname="oauth-apps-api.coverage" name="listOauthApps 401"[^>]*>\s*<skipped/);
      expect(xml).toMatch(/name="coverage at least 50%"[^>]*>\s*<failure message="coverage [\d.]+% is under 50%"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what is wrong: a refused token, no server, a bad option', async () => {
    const refused = await run(['coverage', '--base-url', server.url, '--token', 'wrong-token']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused the token \(401\)/);
    expect(refused.stderr).not.toContain('wrong-token');
    const bad = await run(['coverage', '--base-url', server.url, '--token', TOKEN, '--min', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid --min 'lots'/);
    const unknown = await run(['coverage', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--bogus'[\s\S]*Usage: oauth-apps-api coverage/);
  });
});

describe('oauth-apps-api serve --journal-size', () => {
  it('refuses a size that is not a whole number, from the flag or JOURNAL_SIZE', async () => {
    const flag = await run(['serve', '--port', '0', '--journal-size', '1.5']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/invalid --journal-size '1.5' \(a whole number from 0 to 1000000\)/);
    const env = await run(['serve', '--port', '0'], { JOURNAL_SIZE: 'lots' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/invalid --journal-size 'lots'/);
  });
});

describe('oauth-apps-api tail', () => {
  it('prints each new request as it happens, one line each, filtered by --operation', async () => {
    const ns = await createNamespace({ baseUrl: server.url, token: TOKEN, seed: false });
    await ns.api.GET('/v1/oauth-apps', {}); // before the tail starts: history, not printed
    const child = spawn(process.execPath, [cli, 'tail', '--base-url', server.url, '--token', ns.token, '--operation', 'createOauthApp', '--interval', '20']);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => (pattern.test(out + err) ? resolve() : undefined);
        child.stdout.on('data', check);
        child.stderr.on('data', check);
        child.once('exit', () => reject(new Error(`tail exited:\n${out}${err}`)));
        check();
      });
    try {
      await seen(/Following the request journal/);
      await ns.api.GET('/v1/oauth-apps', {}); // not this operation
      await ns.api.POST('/v1/oauth-apps', { body: docsCreateBody });
      await ns.api.POST('/v1/oauth-apps', { body: { ...docsCreateBody, name: '' } });
      await server.client.POST('/v1/oauth-apps', { body: docsCreateBody }); // another namespace
      await seen(/422/);
      const lines = out.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3}  POST \/v1\/oauth-apps  200  [\d.]+ ms  createOauthApp$/);
      expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3}  POST \/v1\/oauth-apps  422  [\d.]+ ms  createOauthApp  name: must be at least 1 character long$/);
      expect(out).not.toContain(docsCreateBody.client_secret);
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
      await ns.delete();
    }
    expect(child.exitCode).toBe(0); // Ctrl-C ends it cleanly
  });

  it('prints an entry that appears after a higher id (batches committed out of order), once', async () => {
    // A journal whose entry 5 commits after entry 8 (two writers, or two instances, on one
    // PostgreSQL database): a stand-in sandbox that answers GET /__sandbox/requests from a list.
    const journal: RequestEntry[] = [];
    const entry = (id: number): RequestEntry => ({
      id, time: `2026-12-02T10:00:0${id}.000Z`, operation_id: 'listOauthApps', method: 'GET', path: `/v1/oauth-apps`, query: { n: String(id) },
      request: {}, response: { status: 200 }, duration_ms: 1, steered_by: null,
    });
    const stub = createServer((req, res) => {
      const url = new URL(req.url!, 'http://stub');
      const since = Number(url.searchParams.get('since') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const data = journal.filter((e) => e.id > since).sort((a, b) => b.id - a.id).slice(0, limit);
      res.setHeader('content-type', 'application/json').end(JSON.stringify({ data }));
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stop = new AbortController();
    const printed = (n: string) => vi.waitFor(() => expect(lines.filter((l) => l.startsWith(`10:00:0${n}.000  GET /v1/oauth-apps  200  1 ms  listOauthApps`))).toHaveLength(1), { timeout: 1500, interval: 10 });
    try {
      const following = tail(['--base-url', `http://127.0.0.1:${(stub.address() as AddressInfo).port}`, '--token', 't', '--interval', '20'], stop.signal);
      await new Promise((resolve) => setTimeout(resolve, 50));
      journal.push(entry(8));
      await printed('8');
      journal.push(entry(5)); // committed late, below the newest id seen
      await printed('5');
      await new Promise((resolve) => setTimeout(resolve, 100)); // more polls: nothing printed twice
      stop.abort();
      expect(await following).toBe(0);
      expect(lines.map((l) => l.slice(0, 12))).toEqual(['10:00:08.000', '10:00:05.000']);
    } finally {
      stop.abort();
      write.mockRestore();
      vi.restoreAllMocks();
      stub.close();
    }
  });
});
