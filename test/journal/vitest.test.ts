import 'oauth-apps-api/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, createSandboxClient } from 'oauth-apps-api-client/sandbox';
import { createInProcessApi, type InProcessApi } from '../../src/testing/index.js';
import { docsCreateBody, startServer, TOKEN, type TestServer } from '../helpers/server.js';

const headers = { authorization: 'Bearer test-token', 'content-type': 'application/json' };

describe('toHaveReceived on an in-process API', () => {
  let api: InProcessApi;
  let id: string;
  beforeAll(async () => {
    api = await createInProcessApi({ seed: false });
    const created = await api.fetch('/v1/oauth-apps', { method: 'POST', headers, body: JSON.stringify(docsCreateBody) });
    id = ((await created.json()) as { id: string }).id;
    await api.fetch(`/v1/oauth-apps/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ name: 'Other' }) });
    await api.fetch(`/v1/oauth-apps/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ name: 'Renamed', metadata: { tier: 'gold' } }) });
    await api.fetch('/v1/oauth-apps?provider=stripe', { headers });
  });
  afterAll(() => api?.close());

  it('passes on a matching request (body properties at any depth, query, path, status)', async () => {
    await expect(api).toHaveReceived('updateOauthApp', { body: { name: 'Renamed' } });
    await expect(api).toHaveReceived('updateOauthApp', { body: { metadata: { tier: 'gold' } }, path: `/v1/oauth-apps/${id}`, status: 200 });
    await expect(api).toHaveReceived('listOauthApps', { query: { provider: 'stripe' } });
    await expect(api).toHaveReceivedTimes('updateOauthApp', 2);
    await expect(api).toHaveReceivedTimes('listOauthApps', 1, { query: { provider: 'stripe' } });
    await expect(api).not.toHaveReceived('deleteOauthApp');
    await expect(api).not.toHaveReceived('updateOauthApp', { body: { client_secret: 'anything' } });
  });

  it('fails with the near misses: each request of the operation and how it differs', async () => {
    const failure = await expect(api).toHaveReceived('updateOauthApp', { body: { name: 'Renamd' } }).then(
      () => undefined,
      (err: Error) => err.message,
    );
    expect(failure).toContain('expected a request of updateOauthApp with {"body":{"name":"Renamd"}}, but none matched.');
    expect(failure).toMatch(/Requests of updateOauthApp \(newest first\), and how they differ:\n {2}#\d+ PATCH \/v1\/oauth-apps\/\S+ → 200\n {6}body\.name: expected "Renamd", received "Renamed"\n {2}#\d+ PATCH .* → 200\n {6}body\.name: expected "Renamd", received "Other"/);
    await expect(expect(api).toHaveReceivedTimes('updateOauthApp', 1)).rejects.toThrow(/expected 1 request\(s\) of updateOauthApp, but received 2\.\nRequests of updateOauthApp/);
    // No request of the operation at all: the closest ones, the newest of any operation.
    await expect(expect(api).toHaveReceived('deleteOauthApp')).rejects.toThrow(/No request of deleteOauthApp at all\. The latest requests:\n {2}#\d+ GET \/v1\/oauth-apps\?provider=stripe → 200 \(listOauthApps\)/);
    await expect(expect(api).not.toHaveReceived('listOauthApps')).rejects.toThrow(/expected no request of listOauthApps, but received 1/);
  });

  it('refuses what cannot read a journal', async () => {
    await expect(expect({}).toHaveReceived('listOauthApps')).rejects.toThrow(/pass an in-process API/);
  });
});

describe('toHaveReceived on a sandbox server', () => {
  let server: TestServer;
  beforeAll(async () => void (server = await startServer({ seed: [] })));
  afterAll(() => server?.close());

  it('reads the journal through a sandbox client or a namespace', async () => {
    const ns = await createNamespace({ baseUrl: server.url, token: TOKEN, seed: false });
    try {
      await ns.api.GET('/v1/oauth-apps', { params: { query: { provider: 'stripe' } } });
      await expect(ns).toHaveReceivedTimes('listOauthApps', 1, { query: { provider: 'stripe' } });
      await expect(ns.sandbox).toHaveReceived('listOauthApps');
      // The server's own token reads the default namespace: not this one's requests.
      await expect(createSandboxClient({ baseUrl: server.url, token: TOKEN })).not.toHaveReceived('listOauthApps');
      await expect(expect(ns.sandbox).toHaveReceived('createOauthApp', { body: { name: 'x' } })).rejects.toThrow(/No request of createOauthApp at all/);
    } finally {
      await ns.delete();
    }
  });
});
