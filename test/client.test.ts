import { describe, expect, it } from 'vitest';
import { createOauthAppsClient, metadataFilter } from 'oauth-apps-api-client';

// Compile-time: `npm run typecheck` fails if any @ts-expect-error line compiles.
const api = createOauthAppsClient({ baseUrl: 'http://127.0.0.1:1', token: 't' });
async function typeLevel() {
  // @ts-expect-error provider must be one of the 14 providers
  await api.POST('/v1/oauth-apps', { body: { provider: 'myspace', client_id: 'a', client_secret: 'b', name: 'c' } });
  // @ts-expect-error name is required on create
  await api.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: 'a', client_secret: 'b' } });
  // @ts-expect-error misspelled filter
  await api.GET('/v1/oauth-apps', { params: { query: { provder: 'stripe' } } });
  // @ts-expect-error health.status takes only documented statuses
  await api.GET('/v1/oauth-apps', { params: { query: { 'health.status': 'sick' } } });
  // @ts-expect-error the id is a string
  await api.GET('/v1/oauth-apps/{id}', { params: { path: { id: 42 } } });
  // @ts-expect-error an update's name is a string
  await api.PATCH('/v1/oauth-apps/{id}', { params: { path: { id: 'x' } }, body: { name: 42 } });
  // (openapi-fetch infers its init generically, so an unknown *extra* field in a PATCH body is
  // not an excess-property error here; the generated type itself refuses it, see
  // generated-types.test.ts, and the server answers 422.)
  // @ts-expect-error no PUT in the contract
  await api.PUT('/v1/oauth-apps/{id}', {});
  const { data } = await api.GET('/v1/oauth-apps/{id}', { params: { path: { id: 'x' } } });
  // @ts-expect-error a single app is bare: there is no `data` wrapper
  void data?.data;
}
void typeLevel;

describe('createOauthAppsClient', () => {
  it('sends the bearer token, extra headers, and JSON-encoded metadata filters', async () => {
    const seen: Request[] = [];
    const client = createOauthAppsClient({
      baseUrl: 'http://api.test/',
      token: 'tok',
      headers: { Prefer: 'code=200' },
      fetch: async (req: Request) => {
        seen.push(req);
        return new Response(JSON.stringify({ data: [] }), { headers: { 'content-type': 'application/json' } });
      },
    });
    const { data } = await client.GET('/v1/oauth-apps', { params: { query: { provider: 'stripe', metadata: metadataFilter({ a: { b: 1 } }) } } });
    expect(data).toEqual({ data: [] });
    const req = seen[0]!;
    expect(req.headers.get('authorization')).toBe('Bearer tok');
    expect(req.headers.get('prefer')).toBe('code=200');
    const url = new URL(req.url);
    expect(url.origin + url.pathname).toBe('http://api.test/v1/oauth-apps');
    expect(JSON.parse(url.searchParams.get('metadata')!)).toEqual({ a: { b: 1 } });
  });
});
