// The typed client for frontend teams. Browser-safe: no Node-only imports here.
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from '../../generated/schema.js';

export type { components, operations, paths };
export type OauthApp = components['schemas']['OauthApp'];
export type OauthAppCreate = components['schemas']['OauthAppCreate'];
export type OauthAppUpdate = components['schemas']['OauthAppUpdate'];
export type ApiError = components['schemas']['Error'];
export type OauthAppsClient = Client<paths>;

export interface OauthAppsClientOptions {
  /** e.g. `https://api.sequin.io`, `http://127.0.0.1:3000` (reference server), `http://127.0.0.1:4010` (mock). */
  baseUrl: string;
  /** API token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Inject a fetch (tests, proxies, instrumentation); defaults to the global one. */
  fetch?: ClientOptions['fetch'];
  /** Extra headers on every request (e.g. Prism's `Prefer`). */
  headers?: Record<string, string>;
}

/**
 * A client whose paths, parameters, bodies and responses are the spec's:
 *
 *     const api = createOauthAppsClient({ baseUrl, token });
 *     const { data, error } = await api.GET('/v1/oauth-apps/{id}', { params: { path: { id } } });
 *
 * The list's `metadata` filter is JSON on the wire: pass `metadataFilter({ custom_property: 42 })`.
 */
export function createOauthAppsClient(options: OauthAppsClientOptions): OauthAppsClient {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  return createClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, ''), fetch: options.fetch, headers });
}

/** Encodes a metadata filter the way the list operation expects it (a JSON string). */
export function metadataFilter(filter: Record<string, unknown>): string {
  return JSON.stringify(filter);
}
