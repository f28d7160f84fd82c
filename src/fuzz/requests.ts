import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { OpenApiDocument } from '../spec/index.js';
import { invalidArbitrary, jsonValue, validArbitrary, type Schema } from './schema-arbitrary.js';

/**
 * A request the fuzzer sends, as plain data so fast-check can shrink and print it.
 * `target` says which app the path names: a known one (index into the apps created so far),
 * a random UUID, or a raw (possibly invalid) id.
 */
export interface FuzzRequest {
  operationId: 'listOauthApps' | 'createOauthApp' | 'getOauthApp' | 'updateOauthApp' | 'deleteOauthApp';
  /** valid: must be accepted (2xx, or 404 for an unknown id, or 422 duplicate); invalid: must be a 4xx; auth: must be 401. */
  expect: 'valid' | 'invalid' | 'auth';
  /** What makes it invalid (for the report). */
  broke?: string;
  /** `escaped`: a path segment sent as written, %-escapes and all (`raw` is encoded first). */
  target?: { known: number } | { uuid: string } | { raw: string } | { escaped: string };
  query?: [string, string][];
  body?: string;
  contentType?: string;
  auth?: 'none' | 'wrong' | 'malformed';
  /** Sent as `Content-Encoding`; with `compress` the body is compressed that way, else sent as is (corrupt). */
  contentEncoding?: string;
  compress?: boolean;
  /** A `Content-Length` that differs from the body actually sent (needs a raw request: fetch refuses it). */
  announce?: number;
  /** For an invalid request: the exact status it must get, and the field its 422 must name. */
  status?: number;
  field?: string;
}

const schemaOf = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const hex8 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 8, maxLength: 8 });

/** Every secret the fuzzer sends carries this prefix, so a scan can find any leak. */
export const SECRET_MARK = 'fzs';

export function requestArbitrary(spec: OpenApiDocument): fc.Arbitrary<FuzzRequest> {
  const createBody = (validArbitrary(spec, schemaOf('OauthAppCreate')) as fc.Arbitrary<Record<string, unknown>>).chain((b) =>
    hex8.map((h) => ({ ...b, client_secret: `${SECRET_MARK}${h}${String(b.client_secret)}`.slice(0, 1024) })),
  );
  const updateBody = (validArbitrary(spec, schemaOf('OauthAppUpdate')) as fc.Arbitrary<Record<string, unknown>>).chain((b) =>
    hex8.map((h) => (b.client_secret === undefined ? b : { ...b, client_secret: `${SECRET_MARK}${h}${String(b.client_secret)}`.slice(0, 1024) })),
  );
  const target = fc.oneof(
    { weight: 6, arbitrary: fc.nat().map((known) => ({ known })) },
    { weight: 2, arbitrary: fc.uuid().map((uuid) => ({ uuid })) },
  );
  const badTarget = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('%2e%2e', 'null', '0', '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b'))
    // '.' and '..' are dot segments: fetch resolves them away before sending, so they name no id.
    .filter((s) => !/^[0-9a-f-]{36}$/i.test(s) && !/^(\.|\.\.)$/.test(s)).map((raw) => ({ raw }));
  const truncate = fc.option(fc.boolean().map((b): [string, string] => ['truncate_secrets', String(b)]), { nil: undefined });
  const listQuery = fc
    .record(
      {
        provider: validArbitrary(spec, schemaOf('Provider')),
        'health.status': validArbitrary(spec, schemaOf('HealthStatus')),
        metadata: validArbitrary(spec, schemaOf('Metadata')).map((m) => JSON.stringify(m)),
        truncate_secrets: fc.boolean().map(String),
      },
      { requiredKeys: [] },
    )
    .map((q) => Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]));
  const badQuery = fc.oneof(
    fc.string({ minLength: 1 }).filter((v) => !/^(airtable|auth0|hubspot|github|linear|marketo|netsuite|quickbooks|salesforce|sendgrid|servicenow|shopify|stripe|workday)$/.test(v)).map((v) => ({ q: [['provider', v]] as [string, string][], broke: 'provider out of enum' })),
    fc.string({ minLength: 1 }).filter((v) => v !== 'ok' && v !== 'error').map((v) => ({ q: [['health.status', v]] as [string, string][], broke: 'health.status out of enum' })),
    fc.string({ minLength: 1 }).filter((v) => v !== 'true' && v !== 'false').map((v) => ({ q: [['truncate_secrets', v]] as [string, string][], broke: 'truncate_secrets not a boolean' })),
    fc.oneof(fc.string({ minLength: 1 }), jsonValue.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => JSON.stringify(v))).filter((v) => !isJsonObject(v)).map((v) => ({ q: [['metadata', v]] as [string, string][], broke: 'metadata not a JSON object' })),
    fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !['provider', 'health.status', 'metadata', 'truncate_secrets'].includes(k)).map((k) => ({ q: [[k, 'x']] as [string, string][], broke: `unknown parameter ${k}` })),
    fc.constant({ q: [['provider', 'stripe'], ['provider', 'github']] as [string, string][], broke: 'duplicate parameter' }),
  );
  const rawBody = (kind: 'create' | 'update') =>
    fc.oneof(
      { weight: 5, arbitrary: invalidArbitrary(spec, schemaOf(kind === 'create' ? 'OauthAppCreate' : 'OauthAppUpdate')).map((m) => ({ body: JSON.stringify(m.value), contentType: 'application/json', broke: m.broke })) },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((t) => `{${t}`).filter((body) => !isJson(body)).map((body) => ({ body, contentType: 'application/json', broke: 'malformed JSON' })) },
      { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data').map((contentType) => ({ body: '{"name":"x"}', contentType, broke: `content type ${contentType}` })) },
    );

  return fc.oneof(
    // Valid requests, generated from the spec's schemas.
    { weight: 4, arbitrary: fc.tuple(listQuery, truncate).map(([query]): FuzzRequest => ({ operationId: op('listOauthApps'), expect: 'valid', query })) },
    { weight: 5, arbitrary: createBody.map((b): FuzzRequest => ({ operationId: 'createOauthApp', expect: 'valid', body: JSON.stringify(b), contentType: 'application/json' })) },
    { weight: 3, arbitrary: fc.tuple(target, truncate).map(([t, q]): FuzzRequest => ({ operationId: 'getOauthApp', expect: 'valid', target: t, query: q ? [q] : [] })) },
    { weight: 3, arbitrary: fc.tuple(target, updateBody).map(([t, b]): FuzzRequest => ({ operationId: 'updateOauthApp', expect: 'valid', target: t, body: JSON.stringify(b), contentType: 'application/json' })) },
    { weight: 1, arbitrary: target.map((t): FuzzRequest => ({ operationId: 'deleteOauthApp', expect: 'valid', target: t })) },
    // Invalid requests: each must be refused with a 4xx in the API's error shape.
    { weight: 2, arbitrary: badQuery.map(({ q, broke }): FuzzRequest => ({ operationId: 'listOauthApps', expect: 'invalid', broke, query: q })) },
    { weight: 4, arbitrary: rawBody('create').map((r): FuzzRequest => ({ operationId: 'createOauthApp', expect: 'invalid', ...r })) },
    { weight: 3, arbitrary: fc.tuple(target, rawBody('update')).map(([t, r]): FuzzRequest => ({ operationId: 'updateOauthApp', expect: 'invalid', target: t, ...r })) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(op('getOauthApp'), op('updateOauthApp'), op('deleteOauthApp')), badTarget).map(([operationId, t]): FuzzRequest => ({
        operationId,
        expect: 'invalid',
        broke: 'id not a UUID',
        target: t,
        ...(operationId === 'updateOauthApp' ? { body: '{}', contentType: 'application/json' } : {}),
      })),
    },
    // No, wrong or malformed token: 401 on every operation.
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom<FuzzRequest['operationId']>('listOauthApps', 'createOauthApp', 'getOauthApp', 'updateOauthApp', 'deleteOauthApp'), fc.constantFrom<NonNullable<FuzzRequest['auth']>>('none', 'wrong', 'malformed'), target).map(([operationId, auth, t]): FuzzRequest => ({
        operationId,
        expect: 'auth',
        auth,
        ...(operationId === 'listOauthApps' || operationId === 'createOauthApp' ? {} : { target: t }),
        ...(operationId === 'createOauthApp' || operationId === 'updateOauthApp' ? { body: '{"name":"x"}', contentType: 'application/json' } : {}),
      })),
    },
  );
}

/** The id the fuzzer uses for an app that does not exist (an empty pool of known apps). */
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/**
 * The id a request's path names, given the apps created so far on its target (`known: -1` is
 * the app created last; any index wraps into the pool), already encoded for the path.
 */
export function targetId(r: Pick<FuzzRequest, 'target'>, known: string[]): string | undefined {
  if (!r.target) return undefined;
  if ('known' in r.target) return known.length ? known[((r.target.known % known.length) + known.length) % known.length] : UNKNOWN_ID;
  if ('uuid' in r.target) return r.target.uuid;
  if ('escaped' in r.target) return r.target.escaped;
  return encodeURIComponent(r.target.raw);
}

/** The fetch arguments a request stands for: its operation's method and path (with `id`), query, token and body. */
export function fetchArgs(r: Partial<FuzzRequest>, op: { method: string; template: string }, id: string | undefined, target: { baseUrl: string; token: string }): [URL, RequestInit] {
  const url = new URL(target.baseUrl.replace(/\/+$/, '') + op.template.replace('{id}', id ?? ''));
  for (const [k, v] of r.query ?? []) url.searchParams.append(k, v);
  const headers: Record<string, string> = {};
  if (r.auth === undefined) headers.authorization = `Bearer ${target.token}`;
  else if (r.auth === 'wrong') headers.authorization = `Bearer ${target.token}x`;
  else if (r.auth === 'malformed') headers.authorization = `Basic ${target.token}`;
  if (r.contentType) headers['content-type'] = r.contentType;
  if (r.contentEncoding) headers['content-encoding'] = r.contentEncoding;
  const body = r.compress && r.body !== undefined ? new Uint8Array(compressors[r.contentEncoding!]!(Buffer.from(r.body))) : r.body;
  return [url, { method: op.method, headers, body }];
}

const compressors: Record<string, (b: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };

/**
 * The input classes a black-box run once found answered wrongly (issue 24): text a store
 * cannot keep, numbers JSON cannot write back, compressed and corrupt bodies, bodies absent
 * or announced larger than sent, bad %-escapes in the id. Each is sent with the status it must
 * get (and the field it must name), so an answer that is merely some 4xx does not pass.
 */
export function edgeRequestArbitrary(spec: OpenApiDocument): fc.Arbitrary<FuzzRequest> {
  const createBody = validArbitrary(spec, schemaOf('OauthAppCreate')) as fc.Arbitrary<Record<string, unknown>>;
  const target = fc.nat().map((known) => ({ known }));
  const lone = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff');
  // A lone surrogate spliced into a string field, a metadata value or a metadata key.
  const surrogate = fc.tuple(createBody, lone, fc.constantFrom('name', 'client_id', 'client_secret', 'metadata value', 'metadata key')).map(([b, s, where]): FuzzRequest => {
    const field = where.startsWith('metadata') ? 'metadata' : where;
    const body =
      where === 'metadata value' ? { ...b, metadata: { k: `v${s}` } } : where === 'metadata key' ? { ...b, metadata: { [`k${s}`]: 1 } } : { ...b, [where]: `${String(b[where]).slice(0, 200)}${s}` };
    return { operationId: 'createOauthApp', expect: 'invalid', broke: `lone surrogate in ${where}`, body: JSON.stringify(body), contentType: 'application/json', status: 422, field };
  });
  // JSON.stringify cannot write 1e400 (it writes null): the number goes into the text.
  const nonFinite = fc.tuple(createBody, fc.constantFrom('1e400', '-1e400', '1e999')).map(([b, n]): FuzzRequest => ({
    operationId: 'createOauthApp',
    expect: 'invalid',
    broke: `metadata number ${n}`,
    body: JSON.stringify({ ...b, metadata: { n: 0 } }).replace('{"n":0}', `{"n":${n}}`),
    contentType: 'application/json',
    status: 422,
    field: 'metadata',
  }));
  const hugeFinite = createBody.map((b): FuzzRequest => ({ operationId: 'createOauthApp', expect: 'valid', body: JSON.stringify({ ...b, metadata: { n: 1.7976931348623157e308, m: -5e-324 } }), contentType: 'application/json' }));
  const encodings = fc.constantFrom('gzip', 'deflate', 'br');
  const compressed = fc.tuple(createBody, encodings).map(([b, contentEncoding]): FuzzRequest => ({ operationId: 'createOauthApp', expect: 'valid', body: JSON.stringify(b), contentType: 'application/json', contentEncoding, compress: true }));
  const corrupt = fc.tuple(fc.string({ maxLength: 20 }), encodings).map(([body, contentEncoding]): FuzzRequest => ({ operationId: 'createOauthApp', expect: 'invalid', broke: `corrupt ${contentEncoding} body`, body: `x${body}`, contentType: 'application/json', contentEncoding, status: 400 }));
  const unsupported = fc.constantFrom('zstd', 'compress', 'x-gzip', 'gzip, br', 'identity, gzip').map((contentEncoding): FuzzRequest => ({ operationId: 'createOauthApp', expect: 'invalid', broke: `Content-Encoding ${contentEncoding}`, body: '{}', contentType: 'application/json', contentEncoding, status: 415 }));
  const empty = fc.tuple(fc.constantFrom(op('createOauthApp'), op('updateOauthApp')), target).map(([operationId, t]): FuzzRequest => ({
    operationId,
    expect: 'invalid',
    broke: 'empty body',
    body: '',
    contentType: 'application/json',
    status: 422,
    field: 'body',
    ...(operationId === 'updateOauthApp' ? { target: t } : {}),
  }));
  // Announced over the 1 MiB limit, and only a little sent: refused from the header at once.
  // A few fixed sizes, not a range: a server that waits for the rest costs the fuzzer its
  // answer timeout on each try, and shrinking a range would try dozens.
  const announced = fc.constantFrom(1024 * 1024 + 1, 5_000_000, 2 ** 31).map((announce): FuzzRequest => ({ operationId: 'createOauthApp', expect: 'invalid', broke: `Content-Length ${announce}, body short`, body: '{"name":"x"}', contentType: 'application/json', announce, status: 413 }));
  const badEscape = fc.tuple(fc.constantFrom(op('getOauthApp'), op('updateOauthApp'), op('deleteOauthApp')), fc.constantFrom('%E0%A4%A', '%ZZ', '%', 'a%2', '%C3%28', '%ED%A0%80')).map(([operationId, escaped]): FuzzRequest => ({
    operationId,
    expect: 'invalid',
    broke: `bad %-escape ${escaped}`,
    target: { escaped },
    status: 422,
    field: 'id',
    ...(operationId === 'updateOauthApp' ? { body: '{}', contentType: 'application/json' } : {}),
  }));
  return fc.oneof(surrogate, nonFinite, hugeFinite, compressed, corrupt, unsupported, empty, announced, badEscape);
}

const op = <T extends FuzzRequest['operationId']>(operationId: T) => operationId;

function isJson(text: string) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
function isJsonObject(text: string) {
  try {
    const v = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}
