import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { createOauthAppsClient } from 'oauth-apps-api-client';
import { createInProcessApi } from 'oauth-apps-api/testing';

// One API for the whole file, so its journal holds everything the tests sent.
const api = await createInProcessApi({ seed: false });
const client = createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: api.fetch });

afterAll(async () => {
  // What this run did, as web-app's usage file: `usage check` and `npm run diff` gate on it.
  mkdirSync('usage', { recursive: true });
  writeFileSync('usage/web-app.json', JSON.stringify(await api.usage({ consumer: 'web-app' }), null, 2));
  await api.close();
});

it('creates a Stripe app and lists it', async () => {
  await client.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: 'st-1', client_secret: 's3cret', name: 'Stripe' } });
  const { data } = await client.GET('/v1/oauth-apps', { params: { query: { provider: 'stripe' } } });
  expect(data?.data.map((a) => a.name)).toEqual(['Stripe']);
});
