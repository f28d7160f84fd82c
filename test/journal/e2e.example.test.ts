import { afterAll, beforeAll, expect, it } from 'vitest';
import { requests, waitForRequest, type SandboxNamespace } from 'oauth-apps-api-client/sandbox';
import { createInProcessApi, type InProcessApi } from 'oauth-apps-api/testing';

// In an end-to-end test the page runs in a browser against `npx oauth-apps-api serve`; the
// test holds a namespace of that server (createNamespace({ baseUrl, token })) and asks its
// journal what the page sent. Here an in-process API stands in for the server, and `page`
// for the page: the journal calls are the same.
let api: InProcessApi;
let ns: SandboxNamespace;
beforeAll(async () => {
  api = await createInProcessApi();
  ns = await api.createNamespace();
});
afterAll(() => api.close());

const page = { openStripeApps: () => ns.api.GET('/v1/oauth-apps', { params: { query: { provider: 'stripe' } } }) };

it('the page lists the Stripe apps, once', async () => {
  const clicked = page.openStripeApps(); // not awaited: the test waits for the request instead

  const list = await waitForRequest(ns.sandbox, { operation_id: 'listOauthApps' }, { timeoutMs: 2000 });
  expect(list.query).toEqual({ provider: 'stripe' });
  await clicked;
  expect(await requests(ns.sandbox, { operation_id: 'listOauthApps' })).toHaveLength(1);
});
