// @vitest-environment happy-dom
import { expect, it } from 'vitest';
import { createOauthAppsClient } from 'oauth-apps-api-client';
import { createInProcessApi } from '../../src/testing/index.js';

// Component tests often run in happy-dom, whose window brings its own fetch, Request,
// Response and Headers in place of Node's. The in-process API must work with those.
it('serves the typed client in a happy-dom environment', async () => {
  expect(navigator.userAgent).toMatch(/HappyDOM/); // really in happy-dom
  const api = await createInProcessApi({ seed: false });
  try {
    const client = createOauthAppsClient({ baseUrl: 'http://localhost:3000', token: 'test-token', fetch: api.fetch });
    const created = await client.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: 'dom', client_secret: 's3cret', name: 'DOM' } });
    expect(created.response.status).toBe(200);
    expect(created.response).toBeInstanceOf(Response);
    const { data } = await client.GET('/v1/oauth-apps', {});
    expect(data!.data.map((a) => a.id)).toEqual([created.data!.id]);
    const refused = await client.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: 'dom', client_secret: 's3cret', name: 'DOM' } });
    expect(refused.response.status).toBe(422);
    expect(refused.error).toEqual({ summary: 'Validation failed: 1 field was refused.', validation_errors: { client_id: ['has already been taken'] } });
    // Code that calls fetch itself with a page-relative URL, handed the in-process fetch.
    const res = await api.fetch('/v1/oauth-apps', { headers: { Authorization: 'Bearer test-token' } });
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(1);
  } finally {
    await api.close();
  }
});
