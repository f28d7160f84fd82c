import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { checkUsage, SECRET_MASK, usageFile, usageSchemaFile, type Exchange } from '../../src/usage/format.js';
import { usageFromJournal, type JournalEntry } from '../../src/usage/from-journal.js';

const app = { id: '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8', provider: 'stripe', name: 'A', client_id: 'c', client_secret: 'sk_live_real', metadata: { nested: { client_secret: 'also' } } };
const exchange: Exchange = {
  operation_id: 'createOauthApp',
  method: 'POST',
  path: '/v1/oauth-apps',
  query: {},
  request: { content_type: 'application/json', body: { provider: 'stripe', name: 'A', client_id: 'c', client_secret: 'sk_live_real' } },
  response: { status: 200, body: app },
};

describe('the usage format', () => {
  it('ships its schema as oauth-apps-api/usage.schema.json (the exports map of the package)', () => {
    const resolved = createRequire(import.meta.url).resolve('oauth-apps-api/usage.schema.json');
    expect(resolved).toBe(usageSchemaFile);
    const schema = JSON.parse(readFileSync(resolved, 'utf8')) as { properties: { version: { const: number } } };
    expect(schema.properties.version.const).toBe(1);
  });

  it('masks every client_secret, in requests and responses, at any depth', () => {
    const file = usageFile('web-app', [exchange], 'record');
    const text = JSON.stringify(file);
    expect(text).not.toContain('sk_live_real');
    expect(text).not.toContain('"also"');
    expect((file.exchanges[0]!.response.body as typeof app).client_secret).toBe(SECRET_MASK);
    expect(file).toMatchObject({ format: 'oauth-apps-api/usage', version: 1, consumer: 'web-app', source: 'record' });
  });

  it('refuses a file of another version, one not in the format, one holding a secret', () => {
    const good = usageFile('web-app', [exchange]);
    expect(() => checkUsage({ ...good, version: 2 }, 'next.json')).toThrow(/version 2 is not one this kit reads/);
    expect(() => checkUsage({ ...good, consumer: 'has space' }, 'bad.json')).toThrow(/bad\.json is not a usage file[\s\S]*\/consumer/);
    expect(() => checkUsage({ ...good, exchanges: [{ ...exchange, method: 'post' }] }, 'bad.json')).toThrow(/\/exchanges\/0\/method/);
    expect(() => checkUsage({ ...good, exchanges: [exchange] }, 'leak.json')).toThrow(/leak\.json holds an unmasked client_secret at \/exchanges\/0\/request\/body\/client_secret/);
  });
});

describe('usage from the sandbox journal', () => {
  const entries: JournalEntry[] = [
    { id: '1', time: '2026-01-01T00:00:00.000Z', operation_id: 'listOauthApps', method: 'GET', path: '/v1/oauth-apps', query: { provider: 'stripe', metadata: { team: 'a' } }, request: { body: null }, response: { status: 200, body: { data: [app] } }, duration_ms: 3, steered_by: null },
    { id: '2', time: '2026-01-01T00:00:01.000Z', operation_id: 'createOauthApp', method: 'post', path: '/v1/oauth-apps', query: {}, request: { body: exchange.request.body }, response: { status: 503, body: { summary: 'x' } }, duration_ms: 1, steered_by: 'Prefer: code=503' },
  ];

  it('keeps order, operation, query as text, bodies masked, steering named', () => {
    const usage = usageFromJournal(entries, 'admin-ui');
    expect(usage.source).toBe('journal');
    expect(usage.exchanges.map((e) => [e.operation_id, e.method, e.response.status])).toEqual([
      ['listOauthApps', 'GET', 200],
      ['createOauthApp', 'POST', 503],
    ]);
    expect(usage.exchanges[0]!.query).toEqual({ provider: 'stripe', metadata: '{"team":"a"}' });
    expect(usage.exchanges[0]!.request).toEqual({});
    expect(usage.exchanges[1]!.request.content_type).toBe('application/json');
    expect(usage.exchanges[1]!.steered_by).toBe('Prefer: code=503');
    expect(usage.exchanges[0]!.steered_by).toBeUndefined();
    expect(JSON.stringify(usage)).not.toContain('sk_live_real');
  });
});
