import { afterAll, beforeAll, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createOauthAppsClient } from 'oauth-apps-api-client';
import { callAllFive } from './five-calls.js';

// What a team would write instead of the kit: MSW handlers by hand, over a Map, answering the
// same five calls the in-process fixture makes (no validation, no masking, no errors beyond 404).
const base = 'http://api.test/v1/oauth-apps';
const apps = new Map<string, Record<string, unknown>>();
const notFound = () => HttpResponse.json({ summary: 'Not found' }, { status: 404 });
const server = setupServer(
  http.post(base, async ({ request }) => {
    const body = (await request.json()) as Record<string, unknown>;
    const now = new Date().toISOString();
    const app = { metadata: {}, ...body, id: crypto.randomUUID(), client_secret: '**********', created_at: now, updated_at: now };
    apps.set(app.id, app);
    return HttpResponse.json(app);
  }),
  http.get(base, () => HttpResponse.json({ data: [...apps.values()] })),
  http.get(`${base}/:id`, ({ params }) => {
    const app = apps.get(params.id as string);
    return app ? HttpResponse.json(app) : notFound();
  }),
  http.patch(`${base}/:id`, async ({ params, request }) => {
    const app = apps.get(params.id as string);
    if (!app) return notFound();
    Object.assign(app, (await request.json()) as Record<string, unknown>, { updated_at: new Date().toISOString() });
    return HttpResponse.json(app);
  }),
  http.delete(`${base}/:id`, ({ params }) => (apps.delete(params.id as string) ? HttpResponse.json({ id: params.id, deleted: true }) : notFound())),
);
beforeAll(() => server.listen());
afterAll(() => server.close());

it('calls all 5 operations through hand-written MSW handlers', async () => {
  const client = createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token' });
  await callAllFive(client);
});
