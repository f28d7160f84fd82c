// The typed client for frontend teams. Browser-safe: no Node-only imports here.
import createClient, { type Client } from 'openapi-fetch';
// generated/ is ES module land (the package's "type"); the cjs/ build's declarations import
// it too, which TypeScript 7 allows from CommonJS only with the resolution mode said.
import type { components, operations, paths } from '../generated/schema.js' with { 'resolution-mode': 'import' };
import { toClientOptions, type OauthAppsClientOptions } from './options.js';

export type { components, operations, paths, OauthAppsClientOptions };
export type OauthApp = components['schemas']['OauthApp'];
export type OauthAppCreate = components['schemas']['OauthAppCreate'];
export type OauthAppUpdate = components['schemas']['OauthAppUpdate'];
export type ApiError = components['schemas']['Error'];
export type OauthAppsClient = Client<paths>;

/**
 * A client whose paths, parameters, bodies and responses are the spec's:
 *
 *     const api = createOauthAppsClient({ baseUrl, token });
 *     const { data, error } = await api.GET('/v1/oauth-apps/{id}', { params: { path: { id } } });
 *
 * The list's `metadata` filter is JSON on the wire: pass `metadataFilter({ custom_property: 42 })`.
 */
export function createOauthAppsClient(options: OauthAppsClientOptions): OauthAppsClient {
  return createClient<paths>(toClientOptions(options));
}

/** Encodes a metadata filter the way the list operation expects it (a JSON string). */
export function metadataFilter(filter: Record<string, unknown>): string {
  return JSON.stringify(filter);
}
