import { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOauthAppsClient } from '../../src/client/index.js';
import { createSandboxClient } from '../../src/client/sandbox.js';
import { createInProcessApi, type InProcessApi } from '../../src/testing/index.js';
import { mswRuntimeProblem } from '../../src/testing/msw.js';
import { docsCreateBody, expectError, expectOauthApp } from '../helpers/server.js';

// The in-process API as its users meet it: through its fetch, the typed clients and MSW.
const BASE = 'http://api.test';
const auth = (token = 'test-token') => ({ authorization: `Bearer ${token}` });
const json = { 'content-type': 'application/json' };
const seedIds = (api: InProcessApi) =>
  createOauthAppsClient({ baseUrl: BASE, token: 'test-token', fetch: api.fetch })
    .GET('/v1/oauth-apps', {})
    .then(({ data }) => data!.data.map((a) => a.id));

describe('createInProcessApi', () => {
  it('serves the typed client through the injected fetch, every operation', async () => {
    const api = await createInProcessApi({ seed: false });
    try {
      const client = createOauthAppsClient({ baseUrl: BASE, token: 'test-token', fetch: api.fetch });
      const created = await client.POST('/v1/oauth-apps', { body: docsCreateBody });
      expect(created.response.status).toBe(200);
      expectOauthApp(created.data);
      expect(created.data!.client_secret).toBe('**********');
      const id = created.data!.id;
      expect((await client.GET('/v1/oauth-apps/{id}', { params: { path: { id }, query: { truncate_secrets: false } } })).data!.client_secret).toBe(docsCreateBody.client_secret);
      expect((await client.PATCH('/v1/oauth-apps/{id}', { params: { path: { id } }, body: { name: 'Renamed' } })).data!.name).toBe('Renamed');
      const listed = await client.GET('/v1/oauth-apps', { params: { query: { provider: 'stripe' } } });
      expect(listed.data!.data.map((a) => [a.id, a.name])).toEqual([[id, 'Renamed']]);
      expect((await client.DELETE('/v1/oauth-apps/{id}', { params: { path: { id } } })).data).toEqual({ id, deleted: true });
      const gone = await client.GET('/v1/oauth-apps/{id}', { params: { path: { id } } });
      expect(gone.response.status).toBe(404);
      expect(gone.error).toEqual({ summary: `Not found: no OAuth app with ID ${id}.` });
      expect(gone.response.url).toBe(`${BASE}/v1/oauth-apps/${id}`);
    } finally {
      await api.close();
    }
  });

  it('answers errors in the API shape, with their headers', async () => {
    const api = await createInProcessApi();
    try {
      const noToken = await api.fetch(`${BASE}/v1/oauth-apps`);
      expect(noToken.headers.get('www-authenticate')).toMatch(/^Bearer/);
      await expectError(noToken, 401);
      await expectError(await api.fetch(`${BASE}/v1/oauth-apps`, { headers: auth('wrong') }), 401);
      const invalid = await expectError(await api.fetch(`${BASE}/v1/oauth-apps`, { method: 'POST', headers: { ...auth(), ...json }, body: '{"name":1}' }), 422);
      expect(Object.keys(invalid.validation_errors!).sort()).toEqual(['client_id', 'client_secret', 'name', 'provider']);
      await expectError(await api.fetch(`${BASE}/v1/oauth-apps`, { method: 'POST', headers: { ...auth(), ...json }, body: '{"name":' }), 400);
      await expectError(await api.fetch(`${BASE}/v1/oauth-apps`, { method: 'POST', headers: { ...auth(), 'content-type': 'text/plain' }, body: 'x' }), 415);
      await expectError(await api.fetch(`${BASE}/v1/oauth-apps`, { method: 'POST', headers: { ...auth(), ...json }, body: JSON.stringify({ pad: 'x'.repeat(1_100_000) }) }), 413);
      await expectError(await api.fetch(`${BASE}/v1/no-such-thing`, { headers: auth() }), 404);
      const wrongMethod = await api.fetch(`${BASE}/v1/oauth-apps`, { method: 'PUT', headers: { ...auth(), ...json }, body: '{}' });
      expect(wrongMethod.headers.get('allow')).toMatch(/GET/);
      await expectError(wrongMethod, 405);
    } finally {
      await api.close();
    }
  });

  it('gives each instance its own data', async () => {
    const [a, b] = await Promise.all([createInProcessApi({ seed: false }), createInProcessApi({ seed: false })]);
    try {
      const ca = createOauthAppsClient({ baseUrl: BASE, token: 'test-token', fetch: a.fetch });
      const { data } = await ca.POST('/v1/oauth-apps', { body: docsCreateBody });
      expect(await seedIds(a)).toEqual([data!.id]);
      expect(await seedIds(b)).toEqual([]);
      // The same create is no duplicate in the other instance.
      const inB = await createOauthAppsClient({ baseUrl: BASE, token: 'test-token', fetch: b.fetch }).POST('/v1/oauth-apps', { body: docsCreateBody });
      expect(inB.response.status).toBe(200);
      expect(inB.data!.id).not.toBe(data!.id);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('starts from the bundled seed, none, or the apps given; a bad seed is refused with its problems', async () => {
    const bundled = await createInProcessApi();
    const none = await createInProcessApi({ seed: false });
    const own = await createInProcessApi({ seed: [{ id: '0f0e0d0c-0b0a-4908-8706-050403020100', ...docsCreateBody }] });
    try {
      expect(await seedIds(bundled)).toHaveLength(6);
      expect(await seedIds(bundled)).toContain('8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8');
      expect(await seedIds(none)).toEqual([]);
      expect(await seedIds(own)).toEqual(['0f0e0d0c-0b0a-4908-8706-050403020100']);
      // A reset goes back to the instance's own seed.
      const sandbox = createSandboxClient({ baseUrl: BASE, token: 'test-token', fetch: own.fetch });
      await createOauthAppsClient({ baseUrl: BASE, token: 'test-token', fetch: own.fetch }).DELETE('/v1/oauth-apps/{id}', { params: { path: { id: '0f0e0d0c-0b0a-4908-8706-050403020100' } } });
      expect(await seedIds(own)).toEqual([]);
      expect((await sandbox.POST('/__sandbox/reset')).data).toEqual({ apps: 1 });
      expect(await seedIds(own)).toEqual(['0f0e0d0c-0b0a-4908-8706-050403020100']);
    } finally {
      await Promise.all([bundled.close(), none.close(), own.close()]);
    }
    const dup = { ...docsCreateBody };
    await expect(createInProcessApi({ seed: [dup, dup] })).rejects.toThrow(/the seed option is not a valid seed file[\s\S]*repeats the provider \+ client_id/);
    await expect(createInProcessApi({ seed: [{ name: 'no provider' } as never] })).rejects.toThrow(/the seed option is not a valid seed file[\s\S]*provider/);
  });

  it('takes its token from the options', async () => {
    const api = await createInProcessApi({ token: 'my-token', seed: false });
    try {
      expect((await api.fetch(`${BASE}/v1/oauth-apps`, { headers: auth('my-token') })).status).toBe(200);
      await expectError(await api.fetch(`${BASE}/v1/oauth-apps`, { headers: auth() }), 401);
    } finally {
      await api.close();
    }
  });

  it('has the sandbox on by default, and off with sandbox: false (the API exactly as real)', async () => {
    const on = await createInProcessApi({ seed: false });
    const off = await createInProcessApi({ seed: false, sandbox: false });
    try {
      const forced = await on.fetch(`${BASE}/v1/oauth-apps`, { headers: { ...auth(), prefer: 'code=429' } });
      expect(forced.status).toBe(429);
      const fault = await on.fetch(`${BASE}/__sandbox/faults`, { method: 'POST', headers: { ...auth(), ...json }, body: '{"operation_id":"listOauthApps","status":500,"remaining":1}' });
      expect(fault.status).toBe(200);
      await expectError(await on.fetch(`${BASE}/v1/oauth-apps`, { headers: auth() }), 500);
      expect((await on.fetch(`${BASE}/v1/oauth-apps`, { headers: auth() })).status).toBe(200);

      expect((await off.fetch(`${BASE}/v1/oauth-apps`, { headers: { ...auth(), prefer: 'code=429' } })).status).toBe(200);
      await expectError(await off.fetch(`${BASE}/__sandbox/reset`, { method: 'POST', headers: auth() }), 404);
    } finally {
      await Promise.all([on.close(), off.close()]);
    }
  });

  it('is fetch-compatible: Request, URL or string, any origin, streamed bodies, abort', async () => {
    const api = await createInProcessApi({ seed: false });
    try {
      const body = JSON.stringify(docsCreateBody);
      const asRequest = await api.fetch(new Request('https://anywhere.example/v1/oauth-apps', { method: 'POST', headers: { ...auth(), ...json }, body }));
      expect(asRequest.status).toBe(200);
      const { id } = (await asRequest.json()) as { id: string };
      const asUrl = await api.fetch(new URL(`/v1/oauth-apps/${id}`, 'http://localhost:5173'), { headers: auth() });
      expect(((await asUrl.json()) as { id: string }).id).toBe(id);
      const relative = await api.fetch(`/v1/oauth-apps/${id}`, { headers: auth() });
      expect(relative.status).toBe(200);
      // A request body sent as a stream, a response body read as one.
      const chunks = new TextEncoder().encode(JSON.stringify({ name: 'Streamed' }));
      const stream = new ReadableStream({
        start(c) {
          c.enqueue(chunks.slice(0, 5));
          c.enqueue(chunks.slice(5));
          c.close();
        },
      });
      const patched = await api.fetch(`${BASE}/v1/oauth-apps/${id}`, { method: 'PATCH', headers: { ...auth(), ...json }, body: stream, duplex: 'half' } as RequestInit);
      const reader = patched.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      for (let part = await reader.read(); !part.done; part = await reader.read()) text += part.value;
      expect(JSON.parse(text)).toMatchObject({ id, name: 'Streamed' });
      expect(patched.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(Number(patched.headers.get('content-length'))).toBe(Buffer.byteLength(text));
      // Aborted before, and while the answer is delayed (Prefer: delay): rejected as fetch rejects.
      await expect(api.fetch(`${BASE}/v1/oauth-apps`, { headers: auth(), signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
      const slow = api.fetch(`${BASE}/v1/oauth-apps`, { headers: { ...auth(), prefer: 'delay=5000' }, signal: AbortSignal.timeout(50) });
      await expect(slow).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      await api.close();
    }
  });

  it('leaves Express itself alone: an HTTP server in the same process still gets real requests', async () => {
    const api = await createInProcessApi({ seed: false });
    try {
      expect((await api.fetch(`${BASE}/v1/oauth-apps`, { headers: auth() })).status).toBe(200);
      expect(Object.getPrototypeOf(express.request)).toBe(IncomingMessage.prototype);
      expect(Object.getPrototypeOf(express.response)).toBe(ServerResponse.prototype);
    } finally {
      await api.close();
    }
  });

  it('refuses requests after close(), like a fetch to a stopped server; close twice is harmless', async () => {
    const api = await createInProcessApi({ seed: false });
    expect((await api.fetch(`${BASE}/v1/oauth-apps`, { headers: auth() })).status).toBe(200);
    await api.close();
    await api.close();
    await expect(api.fetch(`${BASE}/v1/oauth-apps`, { headers: auth() })).rejects.toThrow(/closed/);
  });
});

// The msw of this repository (3) needs Node ≥ 22.12; on Node 20 mswHandlers must say so at once.
const mswProblem = mswRuntimeProblem();

it(`mswHandlers ${mswProblem ? 'rejects at once, naming the Node the installed msw needs' : 'resolves on this Node'}`, async () => {
  const api = await createInProcessApi({ seed: false });
  try {
    const handlers = api.mswHandlers('http://api.test');
    if (mswProblem) await expect(handlers).rejects.toThrow(/^mswHandlers\(\): msw 3\.\S+ needs Node 22\.12\.0 or later, and this is Node 20\..*msw@2/);
    else expect(await handlers).toHaveLength(1);
  } finally {
    await api.close();
  }
});

describe.skipIf(mswProblem)('mswHandlers with setupServer', () => {
  let api: InProcessApi;
  const server = setupServer();
  beforeAll(async () => {
    api = await createInProcessApi();
    server.listen({ onUnhandledFrame: 'error' });
  });
  afterEach(() => server.resetHandlers());
  afterAll(async () => {
    server.close();
    await api.close();
  });

  it('serves code that calls the global fetch itself', async () => {
    server.use(...(await api.mswHandlers('http://api.test')));
    const res = await fetch('http://api.test/v1/oauth-apps?provider=stripe', { headers: auth() });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { provider: string }[] };
    expect(data.length).toBe(2);
    expect(data.every((a) => a.provider === 'stripe')).toBe(true);
    const created = await fetch('http://api.test/v1/oauth-apps', { method: 'POST', headers: { ...auth(), ...json }, body: JSON.stringify(docsCreateBody) });
    expect(created.status).toBe(422); // the seed already has this provider + client_id
    expect(await created.json()).toEqual({ summary: 'Validation failed: 1 field was refused.', validation_errors: { client_id: ['has already been taken'] } });
    await expectError(await fetch('http://api.test/v1/oauth-apps'), 401);
  });

  it('serves the typed client on its default (global) fetch, under a base URL with a path', async () => {
    server.use(...(await api.mswHandlers('http://localhost:5173/api/')));
    const client = createOauthAppsClient({ baseUrl: 'http://localhost:5173/api', token: 'test-token' });
    const { data, response } = await client.GET('/v1/oauth-apps/{id}', { params: { path: { id: '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8' } } });
    expect(response.status).toBe(200);
    expect(data!.name).toBe('My Stripe OAuth App');
  });

  it('leaves other origins to other handlers', async () => {
    server.use(...(await api.mswHandlers('http://api.test')), http.get('http://other.test/ping', () => HttpResponse.text('pong')));
    expect(await (await fetch('http://other.test/ping')).text()).toBe('pong');
    await expect(fetch('http://third.test/v1/oauth-apps')).rejects.toThrow(); // unhandled: onUnhandledFrame 'error'
  });
});
