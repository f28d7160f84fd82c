// The defects a black-box run found from outside (issue 24, section 1): each case below is
// what that run sent, and what the server must answer instead of what it did.
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessApi } from '../../src/testing/index.js';
import { loadSpec } from '../../src/spec/index.js';
import { bodyOf, rawHttp } from '../helpers/raw-http.js';
import { docsCreateBody, expectError, startServer, TOKEN, type TestServer } from '../helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

const json = { 'content-type': 'application/json' };
const post = (body: BodyInit, headers: Record<string, string> = {}) => s.raw('/v1/oauth-apps', { method: 'POST', headers: { ...json, ...headers }, body });
const createBody = (fields: Record<string, unknown>) => JSON.stringify({ ...docsCreateBody, ...fields });
async function anAppId(): Promise<string> {
  const res = await post(createBody({ client_id: `app-${Math.random()}` }));
  return ((await res.json()) as { id: string }).id;
}

describe('lone UTF-16 surrogates are refused, never stored as U+FFFD', () => {
  const surrogate = 'must be valid Unicode text: it holds a lone UTF-16 surrogate (U+D800 to U+DFFF without its pair)';

  it('in client_id and client_secret: 422 naming each field', async () => {
    const body = await expectError(await post('{"provider":"linear","client_id":"lone\\ud800","client_secret":"s\\udfff","name":"n"}'), 422);
    expect(body.validation_errors).toEqual({ client_id: [surrogate], client_secret: [surrogate] });
  });

  it('so lone\\ud800, lone\\udfff and a literal lone\\ufffd… can no longer become three apps with one provider + client_id', async () => {
    const statuses = [];
    for (const id of ['lone\\ud800', 'lone\\udfff', 'lone\\ufffd\\ufffd\\ufffd']) {
      statuses.push((await post(`{"provider":"linear","client_id":"${id}","client_secret":"s","name":"n"}`)).status);
    }
    expect(statuses).toEqual([422, 422, 200]);
    const listed = (await (await s.raw('/v1/oauth-apps?provider=linear')).json()) as { data: { client_id: string }[] };
    expect(listed.data.filter((a) => a.client_id.startsWith('lone'))).toHaveLength(1);
  });

  it('in metadata values and keys, in PATCH, in the metadata filter, in health notes: 422, never a 500', async () => {
    const id = await anAppId();
    const metaValue = await expectError(await post(createBody({ client_id: 'mv' }).replace('"custom_property":42', '"k":"v\\ud800"')), 422);
    expect(Object.keys(metaValue.validation_errors!)).toEqual(['metadata']);
    const metaKey = await expectError(await post(createBody({ client_id: 'mk' }).replace('"custom_property"', '"k\\udc00"')), 422);
    expect(metaKey.validation_errors!.metadata).toEqual([surrogate]);
    const patch = await expectError(await s.raw(`/v1/oauth-apps/${id}`, { method: 'PATCH', headers: json, body: '{"name":"x\\ud83d"}' }), 422);
    expect(Object.keys(patch.validation_errors!)).toEqual(['name']);
    const filter = await expectError(await s.raw(`/v1/oauth-apps?metadata=${encodeURIComponent('{"k":"\\ud800"}')}`), 422);
    expect(Object.keys(filter.validation_errors!)).toEqual(['metadata']);
    const notes = await expectError(await s.raw(`/__sandbox/oauth-apps/${id}/health`, { method: 'PUT', headers: json, body: '{"status":"error","notes":["\\udfff"]}' }), 422);
    expect(Object.keys(notes.validation_errors!)).toEqual(['notes']);
  });

  it('a namespace whose seed holds one is refused and not left behind', async () => {
    const before = ((await (await s.raw('/__sandbox/namespaces')).json()) as { data: unknown[] }).data.length;
    const seed = `{"seed":[{"provider":"linear","client_id":"c","client_secret":"s","name":"n\\ud800"}]}`;
    const body = await expectError(await s.raw('/__sandbox/namespaces', { method: 'POST', headers: json, body: seed }), 422);
    expect(body.validation_errors!.seed![0]).toMatch(/app #0 name must be valid Unicode text/);
    expect(((await (await s.raw('/__sandbox/namespaces')).json()) as { data: unknown[] }).data).toHaveLength(before);
  });

  it('a well-formed pair (an emoji) is text like any other and reads back exactly', async () => {
    const res = await post(createBody({ client_id: 'pair' }).replace('"name":"Arakkis - Stripe"', '"name":"\\ud83d\\ude00"'));
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    expect(((await (await s.raw(`/v1/oauth-apps/${id}`)).json()) as { name: string }).name).toBe('😀');
  });

  it('in-process too', async () => {
    const api = await createInProcessApi({ seed: false });
    try {
      const res = await api.fetch(
        new Request('http://api.test/v1/oauth-apps', { method: 'POST', headers: { ...json, authorization: 'Bearer test-token' }, body: '{"provider":"linear","client_id":"\\ud800","client_secret":"s","name":"n"}' }),
      );
      expect(res.status).toBe(422);
      expect(((await res.json()) as { validation_errors: object }).validation_errors).toEqual({ client_id: [surrogate] });
    } finally {
      await api.close();
    }
  });
});

describe('compressed bodies', () => {
  const app = createBody({ client_id: 'compressed' });
  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('%s: a valid body is taken; a corrupt one is a 400 in the API shape, with or without a token, on /v1 and /__sandbox', async (encoding, compress) => {
    const res = await post(new Uint8Array(compress(Buffer.from(app.replace('compressed', `compressed-${encoding}`)))), { 'content-encoding': encoding });
    expect(res.status).toBe(200);
    for (const token of [TOKEN, null]) {
      for (const path of ['/v1/oauth-apps', '/__sandbox/namespaces']) {
        const body = await expectError(await s.raw(path, { method: 'POST', token, headers: { ...json, 'content-encoding': encoding }, body: 'nope' }), 400);
        expect(body.summary).toMatch(/could not be decompressed/);
      }
    }
  });

  it.each(['zstd', 'compress', 'gzip, br'])('%s is a 415 naming the accepted encodings, on every Node line alike', async (encoding) => {
    const body = await expectError(await post('{}', { 'content-encoding': encoding }), 415);
    expect(body.summary).toContain('gzip, deflate, br');
  });
});

describe('a body that is absent where the spec requires one', () => {
  it('PATCH with an empty body is a 422 (body is required) and changes nothing, as POST', async () => {
    const id = await anAppId();
    const before = await (await s.raw(`/v1/oauth-apps/${id}`)).json();
    for (const method of ['PATCH', 'POST']) {
      const body = await expectError(await s.raw(method === 'PATCH' ? `/v1/oauth-apps/${id}` : '/v1/oauth-apps', { method, headers: json, body: '' }), 422);
      expect(body.validation_errors).toEqual({ body: ['is required'] });
    }
    expect(await (await s.raw(`/v1/oauth-apps/${id}`)).json()).toEqual(before);
    // An empty object is a body: a valid update of nothing.
    expect((await s.raw(`/v1/oauth-apps/${id}`, { method: 'PATCH', headers: json, body: '{}' })).status).toBe(200);
  });

  it('an optional body may still be left out (POST /__sandbox/namespaces)', async () => {
    const res = await s.raw('/__sandbox/namespaces', { method: 'POST', headers: json, body: '' });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    expect((await s.raw(`/__sandbox/namespaces/${id}`, { method: 'DELETE' })).status).toBe(200);
  });
});

describe('the metadata filter matches arrays by containment, as the spec now says', () => {
  type Parameter = { $ref?: string; name?: string; description?: string; content?: Record<string, { examples?: Record<string, { value: unknown }> }> };
  const spec = loadSpec() as unknown as { paths: Record<string, { get: { parameters: Parameter[] } }>; components: { parameters: Record<string, Parameter> } };
  const deref = (p: Parameter) => (p.$ref ? spec.components.parameters[p.$ref.split('/').pop()!]! : p);
  const parameter = spec.paths['/v1/oauth-apps']!.get.parameters.map(deref).find((p) => p.name === 'metadata')!;

  it("the spec's array example finds an app whose array holds more, in another order", async () => {
    const example = parameter.content!['application/json']!.examples!.ArrayContains!.value as { tags: string[] };
    const res = await post(createBody({ client_id: 'tagged', metadata: { tags: ['other', ...example.tags] } }));
    const { id } = (await res.json()) as { id: string };
    const found = async (filter: unknown) =>
      ((await (await s.raw(`/v1/oauth-apps?metadata=${encodeURIComponent(JSON.stringify(filter))}`)).json()) as { data: { id: string }[] }).data.map((a) => a.id);
    expect(await found(example)).toEqual([id]);
    expect(await found({ tags: [] })).toEqual([id]);
    expect(await found({ tags: ['missing'] })).toEqual([]);
    expect(parameter.description).toMatch(/in any\s+order/);
  });
});

describe('numbers JSON cannot write back', () => {
  it('1e400 in metadata is a 422 on create, patch and the filter, never stored as null', async () => {
    const id = await anAppId();
    const reason = ['must hold only numbers JSON can write back (1e400 is beyond a 64-bit float)'];
    expect((await expectError(await post(createBody({ client_id: 'inf' }).replace('42', '1e400')), 422)).validation_errors).toEqual({ metadata: reason });
    expect((await expectError(await s.raw(`/v1/oauth-apps/${id}`, { method: 'PATCH', headers: json, body: '{"metadata":{"n":-1e400}}' }), 422)).validation_errors).toEqual({ metadata: reason });
    expect((await expectError(await s.raw(`/v1/oauth-apps?metadata=${encodeURIComponent('{"n":1e400}')}`), 422)).validation_errors).toEqual({ metadata: reason });
    expect(((await (await s.raw(`/v1/oauth-apps/${id}`)).json()) as { metadata: unknown }).metadata).toEqual(docsCreateBody.metadata);
  });
});

describe('a bad %-escape in a path parameter', () => {
  it.each([
    ['GET', '/v1/oauth-apps/%E0%A4%A'],
    ['PATCH', '/v1/oauth-apps/%ZZ'],
    ['DELETE', '/v1/oauth-apps/%E0%A4%A'],
    ['PUT', '/__sandbox/oauth-apps/%E0%A4%A/health'],
  ])('%s %s: a 422 keyed by the parameter, with a readable reason', async (method, path) => {
    const body = await expectError(await s.raw(path, { method, headers: json, body: method === 'GET' || method === 'DELETE' ? undefined : '{"status":"ok"}' }), 422);
    expect(Object.keys(body.validation_errors!)).toEqual(['id']);
    expect(body.validation_errors!.id![0]).toMatch(/^is not valid percent-encoding/);
  });
});

describe('a body announced over the limit', () => {
  it('is a 413 from the header alone: answered before a byte of the body is sent, then closed', async () => {
    const raw = await rawHttp(s.url, `POST /v1/oauth-apps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 413 /);
    expect(raw).toMatch(/\r\nConnection: close\r\n/i);
    expect(bodyOf(raw).summary).toMatch(/1 MiB/);
  });

  it('the 408 of a body too slow to arrive is documented on every operation', () => {
    const spec = loadSpec();
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(item as Record<string, { responses?: Record<string, unknown> }>)) {
        if (method === 'parameters') continue;
        expect(Object.keys(op.responses ?? {}), `${method} ${path}`).toContain('408');
      }
    }
  });
});

describe("Node's own bare answers now have the API's shape", () => {
  it('HTTP/1.1 without Host: a 400 with a body', async () => {
    const raw = await rawHttp(s.url, 'GET /healthz HTTP/1.1\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(raw).summary).toMatch(/Host/);
    // HTTP/1.0 has no Host requirement.
    expect(await rawHttp(s.url, 'GET /healthz HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('Expect other than 100-continue: a 417 with a body', async () => {
    // fetch refuses to send Expect; a raw request it is.
    const raw = await rawHttp(s.url, `GET /v1/oauth-apps HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nConnection: close\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 417 /);
    expect(bodyOf(raw).summary).toMatch(/100-continue/);
  });

  it('CONNECT: a 405 with Allow and a body, not a dropped connection', async () => {
    const raw = await rawHttp(s.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 405 /);
    expect(raw).toMatch(/\r\nAllow: [A-Z, ]+\r\n/);
    expect(bodyOf(raw).summary).toMatch(/CONNECT/);
  });

  it('/docs/ is the docs page, not a redirect to /docs//; /docs still redirects, query kept', async () => {
    const page = await fetch(`${s.url}/docs/`, { redirect: 'manual' });
    expect(page.status).toBe(200);
    const bare = await fetch(`${s.url}/docs?x=1`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/docs/?x=1');
  });
});
