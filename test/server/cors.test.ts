import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCorsOrigins } from '../../src/http/cors.js';
import { startChildServer } from '../helpers/child.js';
import { dropTestSchemas, freshDatabaseUrl } from '../helpers/database.js';
import { startServer, TOKEN, type TestServer } from '../helpers/server.js';

// What a browser on another origin needs (http://localhost:5173 calling the server): preflights
// answered before auth, and the allow header on every response, errors included, or the app
// sees an opaque network error instead of the API's status and body.
const origin = 'http://localhost:5173';

function preflight(s: TestServer, path: string, method: string, from = origin) {
  return fetch(`${s.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin: from, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type,prefer' },
  });
}

function expectReadable(res: Response, allowOrigin = '*') {
  expect(res.headers.get('access-control-allow-origin'), `${res.status} ${res.url}`).toBe(allowOrigin);
  expect(res.headers.get('access-control-expose-headers')?.split(',')).toEqual(['Retry-After', 'WWW-Authenticate']);
}

describe('CORS, default: any origin', () => {
  let s: TestServer;
  beforeAll(async () => void (s = await startServer()));
  afterAll(() => s.close());

  it('answers preflights on /v1 and /__sandbox before auth (204), allowing the contract methods and headers', async () => {
    for (const [path, method] of [
      ['/v1/oauth-apps', 'POST'],
      ['/v1/oauth-apps/8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8', 'PATCH'],
      ['/v1/oauth-apps/8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8', 'DELETE'],
      ['/__sandbox/faults', 'POST'],
      ['/__sandbox/seed', 'PUT'],
    ] as const) {
      const res = await preflight(s, path, method);
      expect(res.status, `${method} ${path}`).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')?.split(',')).toEqual(expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE', 'PUT']));
      expect(res.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type,Prefer');
      expect(res.headers.get('access-control-max-age')).toBe('600');
    }
  });

  it('puts the allow header on successes and on every kind of error', async () => {
    const headers = { origin, 'content-type': 'application/json' };
    const unknownId = '00000000-0000-4000-8000-000000000000';
    const cases: [number, Promise<Response>][] = [
      [200, s.raw('/v1/oauth-apps', { headers })],
      [200, fetch(`${s.url}/openapi.json`, { headers })],
      [400, s.raw('/v1/oauth-apps', { method: 'POST', headers, body: '{not json' })],
      [401, s.raw('/v1/oauth-apps', { headers, token: null })],
      [404, s.raw(`/v1/oauth-apps/${unknownId}`, { headers })],
      [404, s.raw('/v1/nowhere', { headers })],
      [405, s.raw(`/v1/oauth-apps/${unknownId}`, { method: 'PUT', headers, body: '{}' })],
      [413, s.raw('/v1/oauth-apps', { method: 'POST', headers, body: JSON.stringify({ name: 'x'.repeat(1_100_000) }) })],
      [415, s.raw('/v1/oauth-apps', { method: 'POST', headers: { origin, 'content-type': 'text/plain' }, body: 'x' })],
      [422, s.raw('/v1/oauth-apps', { method: 'POST', headers, body: JSON.stringify({ provider: 'myspace' }) })],
      [401, s.raw('/__sandbox/faults', { headers, token: 'wrong' })],
    ];
    for (const [status, pending] of cases) {
      const res = await pending;
      expect(res.status, res.url).toBe(status);
      expectReadable(res);
    }
    const unauthorized = await s.raw('/v1/oauth-apps', { headers, token: null });
    expect(unauthorized.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('puts it on the 429 and 5xx answers of sandbox faults', async () => {
    for (const status of [429, 500, 504]) {
      const fault = await s.raw('/__sandbox/faults', { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ operation_id: 'listOauthApps', status, remaining: 1 }) });
      expect(fault.status).toBe(200);
      expectReadable(fault);
      const res = await s.raw('/v1/oauth-apps', { headers: { origin } });
      expect(res.status).toBe(status);
      expectReadable(res);
    }
  });
});

describe('CORS with a list of origins', () => {
  let s: TestServer;
  beforeAll(async () => void (s = await startServer({ corsOrigins: ['https://app.example.com', origin] })));
  afterAll(() => s.close());

  it('allows a listed origin by name (Vary: Origin) and gives another origin no allow header', async () => {
    const allowed = await s.raw('/v1/oauth-apps', { headers: { origin } });
    expect(allowed.status).toBe(200);
    expectReadable(allowed, origin);
    expect(allowed.headers.get('vary')).toMatch(/Origin/);
    const other = await s.raw('/v1/oauth-apps', { headers: { origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const otherPreflight = await preflight(s, '/v1/oauth-apps', 'POST', 'http://evil.example');
    expect(otherPreflight.headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight(s, '/v1/oauth-apps', 'POST')).headers.get('access-control-allow-origin')).toBe(origin);
  });
});

describe('CORS off (none)', () => {
  let s: TestServer;
  beforeAll(async () => void (s = await startServer({ corsOrigins: 'none' })));
  afterAll(() => s.close());

  it('sends no Access-Control header, and a preflight meets auth (401)', async () => {
    const res = await s.raw('/v1/oauth-apps', { headers: { origin } });
    expect(res.status).toBe(200);
    const corsHeaders: string[] = [];
    res.headers.forEach((_value, name) => name.startsWith('access-control-') && corsHeaders.push(name));
    expect(corsHeaders).toEqual([]);
    const pre = await preflight(s, '/v1/oauth-apps', 'POST');
    expect(pre.status).toBe(401);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('--cors-origin / CORS_ORIGIN', () => {
  afterAll(() => dropTestSchemas());

  it('parses *, none and comma-separated origins, and refuses what is not an origin', () => {
    expect(parseCorsOrigins('*')).toBe('*');
    expect(parseCorsOrigins(' none ')).toBe('none');
    expect(parseCorsOrigins('http://localhost:5173, https://app.example.com')).toEqual(['http://localhost:5173', 'https://app.example.com']);
    for (const bad of ['localhost:5173', 'http://localhost:5173/', 'https://app.example.com/path', '', ' , ']) {
      expect(() => parseCorsOrigins(bad), bad).toThrow(/origin/);
    }
  });

  it('reaches the server from the command line and the environment, and says so in the banner', async () => {
    const flag = await startChildServer({ databaseUrl: freshDatabaseUrl(), token: TOKEN, extra: ['--cors-origin', 'http://a.test,http://b.test'] });
    try {
      const res = await fetch(`${flag.url}/healthz`, { headers: { origin: 'http://b.test' } });
      expect(res.headers.get('access-control-allow-origin')).toBe('http://b.test');
      expect(flag.output()).toContain('cors:    http://a.test, http://b.test');
    } finally {
      flag.child.kill();
      await flag.exited;
    }
    const env = await startChildServer({ databaseUrl: freshDatabaseUrl(), token: TOKEN, env: { CORS_ORIGIN: 'none' } });
    try {
      const res = await fetch(`${env.url}/healthz`, { headers: { origin } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(env.output()).toMatch(/cors: +off/);
    } finally {
      env.child.kill();
      await env.exited;
    }
  });

  it('refuses an invalid --cors-origin with a usage error', async () => {
    await expect(startChildServer({ databaseUrl: 'sqlite::memory:', token: TOKEN, extra: ['--cors-origin', 'localhost:5173'] })).rejects.toThrow(/--cors-origin: invalid origin 'localhost:5173'/);
  });
});
