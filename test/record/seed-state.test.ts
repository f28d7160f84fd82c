import { describe, expect, it } from 'vitest';
import { SECRET_PLACEHOLDER, SeedState } from '../../src/record/seed-state.js';
import type { Exchange } from '../../src/usage/format.js';

const app = (id: string, over: Record<string, unknown> = {}) => ({ id, provider: 'stripe', name: `App ${id}`, client_id: `c-${id}`, client_secret: '**********', metadata: {}, health: { status: 'ok', notes: [], time: '2024-01-01T00:00:00Z' }, created_at: `2024-01-0${id}T00:00:00Z`, updated_at: `2024-01-0${id}T00:00:00Z`, ...over });
const ex = (method: string, path: string, status: number, body: unknown, requestBody?: unknown, operation_id: string | null = null): Exchange => ({ operation_id, method, path, query: {}, request: requestBody === undefined ? {} : { body: requestBody }, response: { status, body } });

describe('the seed a recording keeps', () => {
  it('keeps the latest state of each id, applies deletes (and 404s), orders by creation', () => {
    const s = new SeedState(false);
    s.see(ex('GET', '/v1/oauth-apps', 200, { data: [app('2'), app('1'), app('3')] }));
    s.see(ex('PATCH', '/v1/oauth-apps/1', 200, app('1', { name: 'renamed', updated_at: '2024-02-01T00:00:00Z' })));
    s.see(ex('DELETE', '/v1/oauth-apps/2', 200, { id: '2', deleted: true }));
    s.see(ex('GET', '/v1/oauth-apps/3', 404, { summary: 'not found' }, undefined, 'getOauthApp'));
    s.see(ex('GET', '/v1/oauth-apps', 500, { summary: 'boom' }));
    expect(s.seed()).toEqual([{ ...app('1', { name: 'renamed', updated_at: '2024-02-01T00:00:00Z' }), client_secret: SECRET_PLACEHOLDER }]);
  });

  it('with keepSecrets, keeps the secret a create sent (the answer masks it) or one an answer showed', () => {
    const s = new SeedState(true);
    s.see(ex('POST', '/v1/oauth-apps', 200, app('1'), { provider: 'stripe', name: 'App 1', client_id: 'c-1', client_secret: 'sent-secret' }));
    s.see(ex('GET', '/v1/oauth-apps/2', 200, app('2', { client_secret: 'shown-secret' })));
    s.see(ex('GET', '/v1/oauth-apps/3', 200, app('3')));
    expect(s.seed().map((a) => a.client_secret)).toEqual(['sent-secret', 'shown-secret', SECRET_PLACEHOLDER]);
  });

  it('keeps one app per provider + client_id (an inconsistent upstream, a mock, may show two)', () => {
    const s = new SeedState(false);
    s.see(ex('GET', '/v1/oauth-apps/1', 200, app('1', { client_id: 'same' })));
    s.see(ex('GET', '/v1/oauth-apps/2', 200, app('2', { client_id: 'same' })));
    expect(s.seed().map((a) => a.id)).toEqual(['2']);
  });
});
