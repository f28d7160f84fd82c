import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataFilter } from 'oauth-apps-api-client';
import { startServer, TOKEN, type TestServer } from '../helpers/server.js';

// A secret sent on create (or patch) appears in no response and no log line, unless the
// request set truncate_secrets=false; the API token never appears in a log line.
const SECRET = 'sk_live_do-not-leak-7f3a9c';
const ROTATED = 'sk_live_rotated-do-not-leak-1b2c';
let s: TestServer;

beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe('secrets never leak', () => {
  it('through any masked response or error, or any log line', async () => {
    const body = { provider: 'stripe' as const, client_id: 'leak-check', client_secret: SECRET, name: 'Leak check', metadata: { k: 1 } };
    const { data } = await s.client.POST('/v1/oauth-apps', { body });
    const id = data!.id;
    await s.client.POST('/v1/oauth-apps', { body }); // 422 duplicate: the error must not echo it
    await s.raw('/v1/oauth-apps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, client_secret: `${SECRET}${'x'.repeat(1100)}` }) });
    await s.raw('/v1/oauth-apps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"client_secret": "${SECRET}", bad json` });
    await s.client.GET('/v1/oauth-apps/{id}', { params: { path: { id } } });
    await s.client.GET('/v1/oauth-apps', { params: { query: { provider: 'stripe', metadata: metadataFilter({ k: 1 }) } } });
    await s.client.PATCH('/v1/oauth-apps/{id}', { params: { path: { id } }, body: { client_secret: ROTATED } });
    await s.client.PATCH('/v1/oauth-apps/{id}', { params: { path: { id } }, body: { client_secret: 42 as unknown as string } });
    await s.raw(`/v1/oauth-apps?truncate_secrets=true`);
    await s.client.DELETE('/v1/oauth-apps/{id}', { params: { path: { id } } });

    expect(s.responseBodies.length).toBeGreaterThanOrEqual(10);
    for (const text of s.responseBodies) {
      expect(text).not.toContain(SECRET.slice(0, 12));
      expect(text).not.toContain(ROTATED.slice(0, 12));
    }
    expect(s.logLines.length).toBeGreaterThanOrEqual(10);
    for (const line of s.logLines) {
      expect(line).not.toContain('sk_live');
      expect(line).not.toContain(TOKEN);
      expect(line.toLowerCase()).not.toContain('authorization');
    }
  });

  it('in full only where truncate_secrets=false was asked', async () => {
    const { data } = await s.client.POST('/v1/oauth-apps', { body: { provider: 'github', client_id: 'reveal', client_secret: SECRET, name: 'Reveal' } });
    const before = s.responseBodies.length;
    const full = await s.client.GET('/v1/oauth-apps/{id}', { params: { path: { id: data!.id }, query: { truncate_secrets: false } } });
    expect(full.data!.client_secret).toBe(SECRET);
    expect(s.responseBodies.slice(before).some((t) => t.includes(SECRET))).toBe(true);
    expect(s.logLines.some((l) => l.includes(SECRET))).toBe(false);
  });
});

describe('request log', () => {
  it('writes one JSON line per request: method, route template, status, duration', async () => {
    const before = s.logLines.length;
    await s.raw('/v1/oauth-apps/8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8');
    const lines = s.logLines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'GET', route: '/v1/oauth-apps/{id}', status: 404 });
    expect(typeof lines[0]!.ms).toBe('number');
  });
});
