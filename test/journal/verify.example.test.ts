import 'oauth-apps-api/vitest'; // adds toHaveReceived and toHaveReceivedTimes to expect
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createOauthAppsClient, type OauthAppsClient } from 'oauth-apps-api-client';
import { createInProcessApi, type InProcessApi } from 'oauth-apps-api/testing';

// The code under test: what the app's rename form calls.
async function renameApp(client: OauthAppsClient, id: string, name: string) {
  const { error } = await client.PATCH('/v1/oauth-apps/{id}', { params: { path: { id } }, body: { name } });
  if (error) throw new Error(error.summary);
}

let api: InProcessApi;
let client: OauthAppsClient;
beforeEach(async () => {
  api = await createInProcessApi();
  client = createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: api.fetch });
});
afterEach(() => api.close());

it('sends the new name, once, and no secret', async () => {
  const { data } = await client.GET('/v1/oauth-apps', {});
  await renameApp(client, data!.data[0]!.id, 'Renamed');

  await expect(api).toHaveReceived('updateOauthApp', { body: { name: 'Renamed' } });
  await expect(api).toHaveReceivedTimes('updateOauthApp', 1);
  const [patch] = await api.requests({ operation_id: 'updateOauthApp' });
  expect(patch?.request.body).toEqual({ name: 'Renamed' }); // typed as the update body: no client_secret in it
  expect(patch?.response.status).toBe(200);
});

it('lists by provider exactly once, and says which responses the test reached', async () => {
  await client.GET('/v1/oauth-apps', { params: { query: { provider: 'stripe' } } });

  await expect(api).toHaveReceivedTimes('listOauthApps', 1, { query: { provider: 'stripe' } });
  const { operations } = await api.coverage();
  const list = operations.find((o) => o.operation_id === 'listOauthApps');
  expect(list?.statuses.find((s) => s.status === 200)?.count).toBe(1);
});
