import { expect, it } from 'vitest';
import { createOauthAppsClient } from 'oauth-apps-api-client';
import { createInProcessApi } from 'oauth-apps-api/testing';

it('calls all 5 operations in-process', async () => {
  const api = await createInProcessApi({ seed: false });
  const client = createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: api.fetch });
  const created = await client.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: 'abc', client_secret: 's3cret', name: 'Stripe' } });
  const path = { id: created.data!.id };
  expect((await client.GET('/v1/oauth-apps/{id}', { params: { path } })).response.status).toBe(200);
  expect((await client.GET('/v1/oauth-apps', {})).data!.data).toHaveLength(1);
  expect((await client.PATCH('/v1/oauth-apps/{id}', { params: { path }, body: { name: 'Renamed' } })).data!.name).toBe('Renamed');
  expect((await client.DELETE('/v1/oauth-apps/{id}', { params: { path } })).response.status).toBe(200);
  await api.close();
});
