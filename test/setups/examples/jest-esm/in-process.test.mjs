import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { createOauthAppsClient } from 'oauth-apps-api-client';
import { createInProcessApi } from 'oauth-apps-api/testing';

let api;
let client;
beforeEach(async () => {
  api = await createInProcessApi(); // a fresh API per test: the bundled seed, data in memory
  client = createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: api.fetch });
});
afterEach(() => api.close());

it('creates an app and finds it in the list', async () => {
  const { data: app } = await client.POST('/v1/oauth-apps', {
    body: { provider: 'github', client_id: 'gh-1', client_secret: 's3cret', name: 'GitHub' },
  });
  const { data: list } = await client.GET('/v1/oauth-apps', { params: { query: { provider: 'github' } } });
  expect(list.data.map((a) => a.id)).toContain(app.id);
});

it('gives each test a namespace of one shared API', async () => {
  const ns = await api.createNamespace({ seed: false });
  const { data } = await ns.api.GET('/v1/oauth-apps', {});
  expect(data.data).toEqual([]);
});
