import { existsSync, mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecorder, type Recorder } from '../../src/record/recorder.js';
import { readUsageFile } from '../../src/usage/format.js';
import { startServer, TOKEN, type TestServer } from '../helpers/server.js';

// The recorder in this process (the CLI is tested in record.test.ts): what happens between
// start and stop, and what it answers when the upstream does not.
describe('the recorder, between start and stop', () => {
  let upstream: TestServer;
  let recorder: Recorder;
  const dir = mkdtempSync(join(tmpdir(), 'recorder-'));
  beforeAll(async () => {
    upstream = await startServer();
    recorder = await startRecorder({ upstream: upstream.url, port: 0, host: '127.0.0.1', out: dir, intervalMs: 50, consumer: 'web-app' });
  });
  afterAll(async () => {
    await recorder?.stop();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('brings the directory up to date at intervals, before any stop', async () => {
    const usage = join(dir, 'usage.json');
    const written = new Promise<void>((resolve) => {
      const watcher = watch(dir, () => {
        if (existsSync(usage) && readUsageFile(usage).exchanges.length === 1) (watcher.close(), resolve());
      });
    });
    const res = await fetch(`${recorder.url}/v1/oauth-apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'linear', name: 'Interval', client_id: 'interval-1', client_secret: 'interval-secret' }),
    });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    await written;
    expect((JSON.parse(readFileSync(join(dir, 'seed.json'), 'utf8')) as { id: string }[]).map((a) => a.id)).toEqual([id]);
  });

  it('passes what is not the API through without recording it', async () => {
    const before = recorder.count;
    expect((await fetch(`${recorder.url}/healthz`)).status).toBe(200);
    expect(recorder.count).toBe(before);
  });
});

describe('the recorder, when the upstream does not answer', () => {
  it('answers 502 in the API’s error shape, naming the upstream', async () => {
    // A port that was free a moment ago, so nothing listens on it.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'recorder-down-'));
    const recorder = await startRecorder({ upstream: `http://127.0.0.1:${port}`, port: 0, host: '127.0.0.1', out: dir });
    try {
      const res = await fetch(`${recorder.url}/v1/oauth-apps`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({ summary: `The recorder could not reach the upstream http://127.0.0.1:${port}: ECONNREFUSED.` });
      expect(recorder.count).toBe(0);
    } finally {
      await recorder.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
