import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsCreateBody, expectError, startServer, TOKEN, type TestServer } from '../helpers/server.js';

// Every documented error status, each asserting the API's error shape.
let s: TestServer;
let id: string;
const json = { 'content-type': 'application/json' };
const unknownId = '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8';

beforeAll(async () => {
  s = await startServer();
  id = (await s.client.POST('/v1/oauth-apps', { body: docsCreateBody })).data!.id;
});
afterAll(() => s.close());

describe('401 for a missing or wrong token', () => {
  it.each([
    ['no header', null],
    ['wrong token', 'nope'],
    ['token with a suffix', `${TOKEN}x`],
    ['token prefix', TOKEN.slice(0, -1)],
  ])('%s → 401 with WWW-Authenticate: Bearer', async (_label, token) => {
    const res = await s.raw('/v1/oauth-apps', { token });
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await expectError(res, 401)).summary).toMatch(/Bearer/);
  });

  it('refuses a non-Bearer scheme', async () => {
    const res = await s.raw('/v1/oauth-apps', { token: null, headers: { authorization: `Basic ${TOKEN}` } });
    await expectError(res, 401);
  });

  it('checks auth on every operation', async () => {
    for (const [method, path] of [['GET', '/v1/oauth-apps'], ['POST', '/v1/oauth-apps'], ['GET', `/v1/oauth-apps/${id}`], ['PATCH', `/v1/oauth-apps/${id}`], ['DELETE', `/v1/oauth-apps/${id}`]] as const) {
      const res = await s.raw(path, { method, token: 'wrong', headers: json, body: method === 'POST' || method === 'PATCH' ? '{}' : undefined });
      await expectError(res, 401);
    }
    expect((await s.client.GET('/v1/oauth-apps/{id}', { params: { path: { id } } })).response.status).toBe(200); // not deleted
  });
});

describe('400 for a body that is not JSON', () => {
  it.each(['{bad', '{"name": "x",}', '"just a string"', 'null'])('%s', async (body) => {
    await expectError(await s.raw('/v1/oauth-apps', { method: 'POST', headers: json, body }), 400);
  });
});

describe('404 for unknown ids and routes', () => {
  it('unknown id on get, patch, delete', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await s.raw(`/v1/oauth-apps/${unknownId}`, { method, headers: json, body: method === 'PATCH' ? '{"name":"x"}' : undefined });
      expect((await expectError(res, 404)).summary).toContain(unknownId);
    }
  });
  it.each(['/v1/nothing', '/v2/oauth-apps', '/', '/v1/oauth-apps/x/y'])('unknown route %s', async (path) => {
    await expectError(await s.raw(path), 404);
  });
});

describe('405 with Allow for a known path and the wrong method', () => {
  it.each([
    ['PUT', '/v1/oauth-apps', ['GET', 'POST']],
    ['DELETE', '/v1/oauth-apps', ['GET', 'POST']],
    ['POST', `/v1/oauth-apps/${unknownId}`, ['DELETE', 'GET', 'PATCH']],
  ])('%s %s', async (method, path, allowed) => {
    const res = await s.raw(path, { method, headers: json, body: '{}' });
    const allow = res.headers.get('allow')!.split(/,\s*/).sort();
    expect(allow).toEqual(allowed);
    await expectError(res, 405);
  });
});

describe('413 for a body over 1 MiB', () => {
  it('refuses 1 MiB + 1 byte', async () => {
    const body = JSON.stringify({ ...docsCreateBody, name: 'x'.repeat(1024 * 1024) });
    await expectError(await s.raw('/v1/oauth-apps', { method: 'POST', headers: json, body }), 413);
  });
});

describe('415 for a body that is not sent as JSON', () => {
  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])('%s', async (type) => {
    const res = await s.raw('/v1/oauth-apps', { method: 'POST', headers: { 'content-type': type }, body: 'name=x' });
    await expectError(res, 415);
  });
  it('no content type at all', async () => {
    await expectError(await s.raw(`/v1/oauth-apps/${id}`, { method: 'PATCH', body: new Blob(['{}']) }), 415);
  });
});

describe('422 with validation_errors keyed by field name', () => {
  const post = (body: unknown) => s.raw('/v1/oauth-apps', { method: 'POST', headers: json, body: JSON.stringify(body) });

  it('names every refused field of a create at once', async () => {
    const body = await expectError(await post({ provider: 'myspace', name: '', colour: 'red', client_secret: 42 }), 422);
    expect(Object.keys(body.validation_errors!).sort()).toEqual(['client_id', 'client_secret', 'colour', 'name', 'provider']);
    expect(body.validation_errors!.client_id).toEqual(['is required']);
    expect(body.validation_errors!.colour).toEqual(['is not a known field']);
    expect(body.validation_errors!.name).toEqual(['must be at least 1 character long']);
    expect(body.validation_errors!.provider![0]).toMatch(/^must be one of: airtable, /);
    expect(body.validation_errors!.client_secret).toEqual(['must be a string']);
  });

  it('bounds: name 255, client_id 255, secret 1024', async () => {
    const body = await expectError(
      await post({ ...docsCreateBody, name: 'n'.repeat(256), client_id: 'c'.repeat(256), client_secret: 's'.repeat(1025) }),
      422,
    );
    expect(body.validation_errors).toEqual({
      name: ['must be at most 255 characters long'],
      client_id: ['must be at most 255 characters long'],
      client_secret: ['must be at most 1024 characters long'],
    });
    const atLimit = await post({ ...docsCreateBody, client_id: 'edge', name: 'n'.repeat(255), client_secret: 's'.repeat(1024) });
    expect(atLimit.status).toBe(200);
  });

  it('metadata must be an object of at most 16 KiB', async () => {
    expect((await expectError(await post({ ...docsCreateBody, metadata: [1] }), 422)).validation_errors).toEqual({ metadata: ['must be a JSON object'] });
    const big = { blob: 'x'.repeat(16 * 1024) };
    expect(Object.keys((await expectError(await post({ ...docsCreateBody, client_id: 'big', metadata: big }), 422)).validation_errors!)).toEqual(['metadata']);
    const patch = await s.raw(`/v1/oauth-apps/${id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ metadata: big }) });
    expect(Object.keys((await expectError(patch, 422)).validation_errors!)).toEqual(['metadata']);
  });

  it('a duplicate provider + client_id: client_id has already been taken', async () => {
    const body = await expectError(await post(docsCreateBody), 422);
    expect(body.validation_errors).toEqual({ client_id: ['has already been taken'] });
    // Same client_id under another provider is a different app.
    expect((await post({ ...docsCreateBody, provider: 'github' })).status).toBe(200);
  });

  it('an array body is refused as a whole', async () => {
    expect((await expectError(await post([docsCreateBody]), 422)).validation_errors).toEqual({ body: ['must be a JSON object'] });
  });

  it('patch refuses provider, client_id and unknown fields, and changes nothing', async () => {
    const res = await s.raw(`/v1/oauth-apps/${id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ provider: 'github', client_id: 'x', name: 'changed' }) });
    const body = await expectError(res, 422);
    expect(Object.keys(body.validation_errors!).sort()).toEqual(['client_id', 'provider']);
    expect((await s.client.GET('/v1/oauth-apps/{id}', { params: { path: { id } } })).data!.name).toBe(docsCreateBody.name);
  });

  it('path id that is not a UUID', async () => {
    expect((await expectError(await s.raw('/v1/oauth-apps/not-a-uuid'), 422)).validation_errors).toHaveProperty('id');
  });

  it.each([
    ['provider=myspace', 'provider'],
    ['health.status=sick', 'health.status'],
    ['truncate_secrets=maybe', 'truncate_secrets'],
    ['metadata=notjson', 'metadata'],
    ['metadata=[1,2]', 'metadata'],
    ['provder=stripe', 'provder'],
    ['provider=stripe&provider=github', 'provider'],
  ])('query %s → %s', async (query, field) => {
    const body = await expectError(await s.raw(`/v1/oauth-apps?${query}`), 422);
    expect(Object.keys(body.validation_errors!)).toEqual([field]);
  });
});
