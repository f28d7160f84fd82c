import type { Express } from 'express';
import { Readable } from 'node:stream';
import inject from 'light-my-request';
import {
  coverage,
  createNamespace,
  createSandboxClient,
  requests,
  type Coverage,
  type NamespaceOptions,
  type OperationId,
  type RequestEntry,
  type RequestEntryOf,
  type RequestFilter,
  type SandboxNamespace,
} from 'oauth-apps-api-client/sandbox';
import { checkSeed, defaultSeedFile, loadSeedFile, type SeedApp } from '../sandbox/seed.js';
import { createLogger } from '../http/logger.js';
import { openApp } from '../app/open.js';
import { keepPrototypesToItself } from '../http/own-prototypes.js';
import { mswHandlers } from './msw.js';
import type { UsageFile } from '../usage/format.js';
import { usageFromSandbox } from '../usage/from-sandbox.js';

export type { SeedApp } from '../sandbox/seed.js';
export type { Coverage, RequestEntry, RequestEntryOf, RequestFilter } from 'oauth-apps-api-client/sandbox';
export type { Exchange, UsageFile } from '../usage/format.js';

export interface InProcessApiOptions {
  /** The token every request must present as `Authorization: Bearer <token>`. Default `'test-token'`. */
  token?: string;
  /**
   * The apps the API starts with (and returns to on `POST /__sandbox/reset`): the bundled seed
   * (6 apps, 5 providers, one in `error` health) by default, `false` for none, or your own list
   * (the create body plus optional `id`, `health`, `created_at`, `updated_at`; checked like a seed file).
   */
  seed?: SeedApp[] | false;
  /** The `/__sandbox` control plane and `Prefer` steering. Default on; `false` answers exactly as the real API. */
  sandbox?: boolean;
  /** Request journal entries kept (per namespace): default 1 000; `0` keeps none. */
  journalSize?: number;
}

export interface InProcessApi {
  /**
   * A `fetch` answered by the API in this process, no socket involved: same signature as the
   * global `fetch` (a `Request`, a `URL` or a string, plus `init`), resolving to a real
   * `Response`. Only the URL's path and query matter (`/v1/…`, `/__sandbox/…`; any other path
   * gets what the server answers there), so any base URL works:
   * `createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: api.fetch })`.
   */
  fetch: typeof fetch;
  /**
   * @deprecated Use `mswHandlers(api, baseUrl)` from `oauth-apps-api/testing/msw`, the same
   * handlers typed as msw's `HttpHandler` (this entry's types do not name msw, an optional peer,
   * so they type-check without it; hence `any` here). Kept working as before.
   */
  mswHandlers(baseUrl: string): Promise<any[]>;
  /**
   * An isolated namespace of this API (its own apps, seed, faults), with typed clients bound
   * to its token and to this API's `fetch`: for tests that share one API but must not see each
   * other's data. Needs the sandbox (on by default).
   */
  createNamespace(options?: Pick<NamespaceOptions, 'seed' | 'ttlSeconds'>): Promise<SandboxNamespace>;
  /**
   * What this API was sent under `/v1` with its token (the default namespace), newest first,
   * with what it answered: the request journal, filtered as `GET /__sandbox/requests` is.
   * Every `client_secret` reads `**********`. An entry filtered by `operation_id` has that
   * operation's request body type. Needs the sandbox (on by default).
   */
  requests<K extends OperationId>(filter: RequestFilter & { operation_id: K }): Promise<RequestEntryOf<K>[]>;
  requests(filter?: RequestFilter): Promise<RequestEntry[]>;
  /** Which operation × documented status pairs the journal shows answered (`GET /__sandbox/coverage`). */
  coverage(): Promise<Coverage>;
  /**
   * The whole journal (the default namespace's), oldest first, as `consumer`'s usage file
   * (`oauth-apps-api/usage.schema.json`, `source: 'in-process'`; every `client_secret`
   * masked, no header kept): write it as `usage/<consumer>.json` in a global teardown, and
   * `oauth-apps-api usage check` / `npm run diff` gate spec changes on it. Needs the sandbox.
   */
  usage(options: { consumer: string }): Promise<UsageFile>;
  /** Closes the in-memory database. Requests after close are refused. */
  close(): Promise<void>;
}

/**
 * The reference API in this process, for unit and component tests (vitest with jsdom or
 * happy-dom): a fresh, isolated API with its data in memory on every call, no port to start,
 * wait for or stop. It is the HTTP server's own pipeline (`createApp`: body limit, auth,
 * express-openapi-validator with response validation, routes, error handler, sandbox),
 * driven by `light-my-request` instead of a socket, so it answers exactly as
 * `oauth-apps-api serve` does.
 *
 * @example
 * const api = await createInProcessApi({ seed: false });
 * const client = createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: api.fetch });
 * await client.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: 'abc', client_secret: 's3cret', name: 'Stripe' } });
 * await api.close();
 */
export async function createInProcessApi(options: InProcessApiOptions = {}): Promise<InProcessApi> {
  if (typeof Response !== 'function' || typeof Request !== 'function') {
    throw new Error(
      'createInProcessApi(): this test environment has no fetch API (Request, Response), which the in-process API answers with and your client calls. ' +
        "Jest's jsdom environment removes Node's: use testEnvironment 'jest-fixed-jsdom' (jsdom with Node's fetch API), or happy-dom ('@happy-dom/jest-environment').",
    );
  }
  const seed = options.seed === false ? [] : options.seed ? checkSeed(options.seed, 'the seed option') : await loadSeedFile(defaultSeedFile);
  const token = options.token ?? 'test-token';
  const { app, close } = await openApp({
    databaseUrl: 'sqlite::memory:',
    token,
    // Tests want their own output, not a line per request; secrets never reach the log anyway.
    logger: createLogger({ level: 'silent', destination: { write: () => true } }),
    seed,
    sandbox: options.sandbox,
    journalSize: options.journalSize,
  });
  keepPrototypesToItself(app);
  let closed = false;
  const answer = (request: Request) => {
    if (closed) return Promise.reject(new TypeError('fetch failed: the in-process API is closed'));
    return dispatch(app, request);
  };
  const fetch: typeof globalThis.fetch = (input, init) => answer(input instanceof Request && init === undefined ? input : new Request(relativeToLocalhost(input), init));
  // The journal is read as any client reads it: through the sandbox's own endpoints.
  const sandbox = createSandboxClient({ baseUrl: 'http://localhost', token, fetch });
  return {
    fetch,
    createNamespace: (namespace = {}) => createNamespace({ baseUrl: 'http://localhost', token, fetch, ...namespace }),
    requests: ((filter?: RequestFilter) => requests(sandbox, filter)) as InProcessApi['requests'],
    coverage: () => coverage(sandbox),
    async usage({ consumer }) {
      return usageFromSandbox(sandbox, consumer, 'in-process');
    },
    mswHandlers: (baseUrl) => mswHandlers({ fetch }, baseUrl),
    async close() {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}

// The global fetch refuses a relative URL; in jsdom it resolves against the page. Here there
// is no page, so `fetch('/v1/oauth-apps')` resolves against a neutral origin.
const relativeToLocalhost = (input: string | URL | Request) => (typeof input === 'string' && input.startsWith('/') ? `http://localhost${input}` : input);

// Statuses whose response has no body by definition (the Response constructor refuses one).
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** One request through the app, as an HTTP server would hand it over; the answer as a fetch `Response`. */
async function dispatch(app: Express, request: Request): Promise<Response> {
  request.signal.throwIfAborted();
  const url = new URL(request.url);
  const sent = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  const requestHeaders: Record<string, string> = { host: url.host };
  request.headers.forEach((value, name) => (requestHeaders[name] = value));
  // A body is handed over as a stream: light-my-request feeds a Buffer to the app from a
  // setImmediate callback, and the global setImmediate does not exist in Jest's jsdom
  // environment (the request then waited for a body forever). A stream is read with no timer.
  if (sent) requestHeaders['content-length'] ??= String(sent.length);
  const payload = sent && Readable.from([sent]);
  const reply = await abortable(
    inject(app as unknown as Parameters<typeof inject>[0], {
      method: request.method as never,
      url: url.pathname + url.search,
      headers: requestHeaders,
      payload,
    }),
    request.signal,
  );
  const headers = new Headers();
  for (const [name, value] of Object.entries(reply.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v));
  }
  const body = request.method === 'HEAD' || NULL_BODY.has(reply.statusCode) ? null : new Uint8Array(reply.rawPayload);
  const response = new Response(body, { status: reply.statusCode, statusText: reply.statusMessage, headers });
  // A fetched Response knows its URL (clients put it in error messages); a constructed one does not.
  Object.defineProperty(response, 'url', { value: request.url });
  return response;
}

/** Rejects with the signal's reason when it aborts first, as fetch does. */
function abortable<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
