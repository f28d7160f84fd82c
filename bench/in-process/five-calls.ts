import { expect } from 'vitest';
import type { OauthAppsClient } from 'oauth-apps-api-client';

/** The five operations, as both fixtures make them: the comparison is only fair on the same calls. */
export async function callAllFive(client: OauthAppsClient) {
  const created = await client.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: 'abc', client_secret: 's3cret', name: 'Stripe' } });
  const path = { id: created.data!.id };
  expect((await client.GET('/v1/oauth-apps/{id}', { params: { path } })).response.status).toBe(200);
  expect((await client.GET('/v1/oauth-apps', {})).data!.data).toHaveLength(1);
  expect((await client.PATCH('/v1/oauth-apps/{id}', { params: { path }, body: { name: 'Renamed' } })).data!.name).toBe('Renamed');
  expect((await client.DELETE('/v1/oauth-apps/{id}', { params: { path } })).response.status).toBe(200);
}
