import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { setupServer } from 'msw/node';
import { createInProcessApi, type InProcessApi } from 'oauth-apps-api/testing';
import { mswHandlers } from 'oauth-apps-api/testing/msw';

// Code under test that calls fetch itself, with the URL it uses in production.
async function stripeAppNames(): Promise<string[]> {
  const res = await fetch('https://api.example.com/v1/oauth-apps?provider=stripe', {
    headers: { Authorization: 'Bearer test-token' },
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const { data } = (await res.json()) as { data: { name: string }[] };
  return data.map((app) => app.name);
}

let api: InProcessApi;
const server = setupServer();
beforeAll(async () => {
  api = await createInProcessApi();
  server.use(...(await mswHandlers(api, 'https://api.example.com')));
  server.listen({ onUnhandledRequest: 'error' }); // msw 3: onUnhandledFrame
});
afterAll(async () => {
  server.close();
  await api.close();
});

it('lists the seed apps of one provider', async () => {
  expect(await stripeAppNames()).toEqual(['My Stripe OAuth App', 'Arakkis - Stripe']);
});
