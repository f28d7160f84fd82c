import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/http/logger.js';
import { serve, type RunningServer } from '../../src/app/serve.js';
import { dropTestSchemas, freshDatabaseUrl } from '../helpers/database.js';
import { bodyOf, rawHttp } from '../helpers/raw-http.js';
import { docsCreateBody, expectError, startServer, TOKEN, type TestServer } from '../helpers/server.js';

const execFileAsync = promisify(execFile);

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

const json = { 'content-type': 'application/json' };
const post = (body: string) => s.raw('/v1/oauth-apps', { method: 'POST', headers: json, body });

describe('hostile metadata', () => {
  it('__proto__ / constructor keys are stored and returned as plain data, polluting nothing', async () => {
    const metadata = '{"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"polluted": 1}}, "toString": "x"}';
    const res = await post(`{"provider":"stripe","client_id":"proto","client_secret":"s","name":"n","metadata":${metadata}}`);
    expect(res.status).toBe(200);
    const app = (await res.json()) as { id: string; metadata: Record<string, unknown> };
    expect(JSON.stringify(app.metadata)).toBe(JSON.stringify(JSON.parse(metadata)));
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const back = await s.raw(`/v1/oauth-apps/${app.id}`);
    expect(JSON.stringify(((await back.json()) as typeof app).metadata)).toBe(JSON.stringify(JSON.parse(metadata)));
    const filtered = await s.raw(`/v1/oauth-apps?metadata=${encodeURIComponent('{"__proto__":{"isAdmin":true}}')}`);
    expect(((await filtered.json()) as { data: { id: string }[] }).data.map((a) => a.id)).toEqual([app.id]);
  });

  it('fields named like Object.prototype members are just names in errors', async () => {
    const body = await expectError(await post('{"toString": 1, "__proto__": 2, "hasOwnProperty": 3}'), 422);
    expect(body.validation_errors).toHaveProperty('toString');
    expect(body.validation_errors).toHaveProperty('hasOwnProperty');
    for (const key of ['constructor', 'valueOf', '__proto__', 'toString']) {
      const q = await expectError(await s.raw(`/v1/oauth-apps?${key}=1`), 422);
      expect(Object.keys(q.validation_errors!)).toEqual([key]);
    }
  });

  it('nesting over 32 levels is refused, even 150 000 deep (no stack overflow)', async () => {
    const nest = (d: number) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`;
    expect((await post(JSON.stringify({ ...docsCreateBody, client_id: 'd32', metadata: JSON.parse(nest(31)) }))).status).toBe(200);
    for (const depth of [33, 150_000]) {
      const body = await expectError(await post(`{"provider":"stripe","client_id":"deep","client_secret":"s","name":"n","metadata":${nest(depth)}}`), 422);
      expect(body.validation_errors!.metadata![0]).toMatch(/at most 32 levels/);
    }
    const q = await expectError(await s.raw(`/v1/oauth-apps?metadata=${encodeURIComponent(nest(40))}`), 422);
    expect(q.validation_errors).toHaveProperty('metadata');
  });

  it('NUL characters are refused wherever they hide', async () => {
    const body = await expectError(await post(JSON.stringify({ ...docsCreateBody, name: 'a\u0000b', metadata: { k: 'v\u0000' } })), 422);
    expect(Object.keys(body.validation_errors!).sort()).toEqual(['metadata', 'name']);
  });
});

describe('oversized and odd requests', () => {
  it('1 MiB + 1 byte of body is a 413; 1 MiB of valid JSON is processed', async () => {
    const exact = JSON.stringify({ ...docsCreateBody, client_id: 'big' });
    const padded = exact.replace('{', `{${' '.repeat(1024 * 1024 - exact.length)}`);
    expect(Buffer.byteLength(padded)).toBe(1024 * 1024);
    expect((await post(padded)).status).toBe(200);
    await expectError(await post(padded.replace('{', '{ ')), 413);
  });

  it('a multi-megabyte query string is a 431 in the API error shape', async () => {
    const raw = await rawHttp(s.url, `GET /v1/oauth-apps?metadata=${'x'.repeat(3 * 1024 * 1024)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(bodyOf(raw).summary).toMatch(/16 KiB/);
  });

  // A server that closes while the request is still arriving makes the kernel reset the
  // connection, and the reset can beat the answer to the client. Here the client (another
  // process, as a real one is) reads only once its whole request is sent, which a network's
  // latency does too: a reset has arrived by then, and it reports it instead of the end.
  it('the 431 reaches a client in another process that reads after sending its multi-megabyte URL', async () => {
    const { hostname, port } = new URL(s.url);
    const client = `const s = require('node:net').connect(${Number(port)}, ${JSON.stringify(hostname)});
      let out = '';
      s.pause();
      s.on('data', (c) => (out += c));
      s.on('error', (e) => (out += '\\n[client error ' + e.code + ']'));
      s.on('close', () => process.stdout.write(out));
      s.write('GET /v1/oauth-apps?metadata=' + 'x'.repeat(3 * 1024 * 1024) + ' HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n', () => setTimeout(() => s.resume(), 300));`;
    const { stdout } = await execFileAsync(process.execPath, ['-e', client]);
    expect(stdout).toMatch(/^HTTP\/1\.1 431 /);
    expect(stdout).not.toContain('[client error');
    expect(bodyOf(stdout).summary).toMatch(/16 KiB/);
  });

  it('duplicate query parameters are a 422', async () => {
    const body = await expectError(await s.raw('/v1/oauth-apps?truncate_secrets=false&truncate_secrets=true'), 422);
    expect(body.validation_errors).toHaveProperty('truncate_secrets');
  });

  it('control characters in a header value are a 400 in the API error shape', async () => {
    const raw = await rawHttp(s.url, `GET /v1/oauth-apps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nX-Evil: a\u0001b\u0007c\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(raw).summary).toMatch(/Malformed/);
  });

  it('a token with trailing garbage or odd whitespace is a 401, not a crash', async () => {
    for (const header of [`Bearer ${TOKEN}\t`, `Bearer  ${TOKEN}`, `bearer ${TOKEN}`, 'Bearer', 'Bearer ' + 'x'.repeat(8000)]) {
      const res = await fetch(`${s.url}/v1/oauth-apps`, { headers: { authorization: header } });
      expect([200, 401]).toContain(res.status);
    }
    expect((await fetch(`${s.url}/v1/oauth-apps`, { headers: { authorization: 'Bearer ' + 'x'.repeat(8000) } })).status).toBe(401);
  });
});

describe('slow clients', () => {
  let slow: RunningServer;
  const url = freshDatabaseUrl();
  beforeAll(async () => {
    slow = await serve({ port: 0, host: '127.0.0.1', token: TOKEN, databaseUrl: url, headersTimeoutMs: 500, requestTimeoutMs: 1000, logger: createLogger({ level: 'silent', destination: { write: () => undefined } }) });
  });
  afterAll(async () => {
    await slow.close();
    await dropTestSchemas();
  });

  it('a client that never finishes its headers is cut off with a 408', async () => {
    const start = performance.now();
    const raw = await rawHttp(slow.url, (socket) => socket.write('GET /v1/oauth-apps HTTP/1.1\r\nHost: x\r\n'));
    expect(raw).toMatch(/^HTTP\/1\.1 408 /);
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it('a client that never finishes its body is cut off too', async () => {
    const raw = await rawHttp(slow.url, (socket) =>
      socket.write(`POST /v1/oauth-apps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":`),
    );
    expect(raw).toMatch(/^HTTP\/1\.1 (408|400) /);
  });
});
