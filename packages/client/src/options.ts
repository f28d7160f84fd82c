import type { ClientOptions } from 'openapi-fetch';

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

/** openapi-fetch's options for both clients: the base URL without a trailing slash, the bearer token as a header. */
export function toClientOptions(options: OauthAppsClientOptions): ClientOptions {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  return { baseUrl: options.baseUrl.replace(/\/+$/, ''), fetch: options.fetch, headers };
}
