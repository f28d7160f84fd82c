import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { checkSeed } from '../../src/sandbox/seed.js';
import { createInProcessApi } from '../../src/testing/index.js';
import { readUsageFile } from '../../src/usage/format.js';
import { startChildServer, type ChildServer } from '../helpers/child.js';
import { dropTestSchemas, freshDatabaseUrl } from '../helpers/database.js';
import { startPrismMock, type RunningPrism } from '../helpers/prism.js';

// The recorder as a user runs it: `oauth-apps-api record <upstream>` spawned from the built
// CLI, in front of a reference server (then a Prism mock, then a broken upstream), driven
// with plain fetch carrying the caller's token.
const TOKEN = 'recorder-test-token-do-not-write-9f3a';
const SECRET = 'sk_live_recorder_test_secret_77';

interface Recording {
  url: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

async function startRecording(upstream: string, dir: string, extra: string[] = []): Promise<Recording> {
  const child = spawn(process.execPath, [join(packageRoot, 'dist', 'src', 'cli.js'), 'record', upstream, '--port', '0', '--out', dir, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c));
  child.stderr!.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const m = /^Recording (http:\/\/\S+)/m.exec(out);
      if (m) (child.stdout!.off('data', onData), resolve(m[1]!));
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`recorder exited (${code}):\n${out}`)));
  });
  return { url, child, output: () => out, exited };
}

const auth = { authorization: `Bearer ${TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };
const getJson = async (url: string) => {
  const res = await fetch(url, { headers: auth });
  return { status: res.status, body: (await res.json()) as any };
};
const everyFile = (dir: string) => readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));

describe('oauth-apps-api record, in front of a reference server', () => {
  let upstream: ChildServer;
  let databaseUrl: string;
  let recording: Recording;
  const dir = mkdtempSync(join(tmpdir(), 'recording-'));
  let createdId: string;
  let deletedId: string;
  let direct: { status: number; body: any };

  beforeAll(async () => {
    databaseUrl = freshDatabaseUrl();
    upstream = await startChildServer({ databaseUrl, token: TOKEN, seed: true });
    recording = await startRecording(upstream.url, dir, ['--consumer', 'contract-kit']);
    // Traffic through the recorder: list, create (with a real secret), update, delete, a get of the deleted app.
    const via = recording.url;
    await getJson(`${via}/v1/oauth-apps`);
    const created = await fetch(`${via}/v1/oauth-apps`, { method: 'POST', headers: json, body: JSON.stringify({ provider: 'github', name: 'Recorded', client_id: 'rec-1', client_secret: SECRET, metadata: { team: 'web' } }) });
    createdId = ((await created.json()) as { id: string }).id;
    await fetch(`${via}/v1/oauth-apps/${createdId}`, { method: 'PATCH', headers: json, body: JSON.stringify({ name: 'Recorded, renamed' }) });
    deletedId = (await getJson(`${via}/v1/oauth-apps?provider=hubspot`)).body.data[0].id;
    await fetch(`${via}/v1/oauth-apps/${deletedId}`, { method: 'DELETE', headers: auth });
    await getJson(`${via}/v1/oauth-apps/${deletedId}`);
    direct = await getJson(`${upstream.url}/v1/oauth-apps`);
    recording.child.kill('SIGTERM');
    expect(await recording.exited).toBe(0);
  });
  afterAll(async () => {
    upstream?.child.kill('SIGTERM');
    await upstream?.exited;
    await dropTestSchemas(databaseUrl);
    rmSync(dir, { recursive: true, force: true });
  });

  it('passed the caller’s token upstream and the answers back unchanged', () => {
    const usage = readUsageFile(join(dir, 'usage.json'));
    expect(usage.consumer).toBe('contract-kit');
    expect(usage.exchanges.map((e) => `${e.operation_id} ${e.response.status}`)).toEqual([
      'listOauthApps 200',
      'createOauthApp 200',
      'updateOauthApp 200',
      'listOauthApps 200',
      'deleteOauthApp 200',
      'getOauthApp 404',
    ]);
    expect(usage.exchanges.every((e) => !e.violations)).toBe(true);
    expect(recording.output()).toContain('Recorded 6 exchange(s)');
  });

  it('holds a seed that a fresh server loads and answers the same GETs from (bodies equal)', async () => {
    const seed = checkSeed(JSON.parse(readFileSync(join(dir, 'seed.json'), 'utf8')), 'seed.json');
    expect(seed.some((a) => a.id === deletedId)).toBe(false);
    expect(seed.find((a) => a.id === createdId)?.name).toBe('Recorded, renamed');
    const freshUrl = freshDatabaseUrl();
    const fresh = await startChildServer({ databaseUrl: freshUrl, token: TOKEN, seed: true, extra: ['--seed', join(dir, 'seed.json')] });
    try {
      const replayed = await getJson(`${fresh.url}/v1/oauth-apps`);
      expect(replayed).toEqual(direct);
      for (const app of direct.body.data as { id: string }[]) expect(await getJson(`${fresh.url}/v1/oauth-apps/${app.id}`)).toEqual(await getJson(`${upstream.url}/v1/oauth-apps/${app.id}`));
      expect((await getJson(`${fresh.url}/v1/oauth-apps/${deletedId}`)).status).toBe(404);
    } finally {
      fresh.child.kill('SIGTERM');
      await fresh.exited;
      await dropTestSchemas(freshUrl);
    }
    const api = await createInProcessApi({ seed, token: TOKEN });
    try {
      const res = await api.fetch('/v1/oauth-apps', { headers: auth });
      expect({ status: res.status, body: await res.json() }).toEqual(direct);
    } finally {
      await api.close();
    }
  });

  it('writes neither the token nor a secret anywhere in the directory', () => {
    const files = everyFile(dir);
    expect(files).toHaveLength(2);
    for (const text of files) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(SECRET);
      expect(text).not.toMatch(/sk_test_seed/); // the upstream's seed secrets, were any shown
    }
  });
});

describe('oauth-apps-api record --keep-secrets --max-requests, in front of a Prism mock', () => {
  let prism: RunningPrism;
  const dir = mkdtempSync(join(tmpdir(), 'recording-prism-'));
  beforeAll(async () => void (prism = await startPrismMock()));
  afterAll(async () => {
    await prism?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops by itself after N requests, with a loadable seed and a valid usage file', async () => {
    const recording = await startRecording(prism.url, dir, ['--max-requests', '2', '--keep-secrets']);
    const list = await getJson(`${recording.url}/v1/oauth-apps`);
    expect(list.status).toBe(200);
    await getJson(`${recording.url}/v1/oauth-apps/${list.body.data[0].id}`);
    expect(await recording.exited).toBe(0);
    const usage = readUsageFile(join(dir, 'usage.json'));
    expect(usage.exchanges).toHaveLength(2);
    const seed = checkSeed(JSON.parse(readFileSync(join(dir, 'seed.json'), 'utf8')), 'seed.json');
    expect(seed.length).toBeGreaterThan(0);
    for (const text of everyFile(dir)) expect(text).not.toContain(TOKEN);
  });
});

describe('oauth-apps-api record, in front of a broken upstream', () => {
  let broken: Server;
  const dir = mkdtempSync(join(tmpdir(), 'recording-broken-'));
  const answer = { data: [{ id: 'not-a-uuid', provider: 'myspace', name: 'Broken' }] };
  beforeAll(async () => {
    broken = createServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => broken.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes the broken answer through unchanged and names its violations in sl-violations and in the recording', async () => {
    const recording = await startRecording(`http://127.0.0.1:${(broken.address() as AddressInfo).port}`, dir, ['--max-requests', '1']);
    const res = await fetch(`${recording.url}/v1/oauth-apps?provider=stripe`, { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(answer);
    const header = JSON.parse(res.headers.get('sl-violations') ?? '[]') as { location: string[]; message: string; at: string }[];
    expect(header.map((v) => v.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/value "myspace" received at data\.0\.provider is not allowed/), expect.stringMatching(/data\.0 must have required property 'client_id'/)]),
    );
    expect(header.find((v) => /myspace/.test(v.message))?.at).toBe('#/components/schemas/Provider/enum');
    expect(await recording.exited).toBe(0);
    const [exchange] = readUsageFile(join(dir, 'usage.json')).exchanges;
    expect(exchange!.violations).toEqual(expect.arrayContaining([expect.stringMatching(/^response: .*"myspace".* \(at #\/components\/schemas\/Provider\/enum\)$/)]));
  });
});
