import { it } from 'vitest';
import { createOauthAppsClient } from 'oauth-apps-api-client';
import { callAllFive } from './five-calls.js';
import { createInProcessApi } from 'oauth-apps-api/testing';

it('calls all 5 operations in-process', async () => {
  const api = await createInProcessApi({ seed: false });
  const client = createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: api.fetch });
  await callAllFive(client);
  await api.close();
});
