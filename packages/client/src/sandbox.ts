// Typed client of the sandbox control plane (openapi/sandbox.yaml). Browser-safe.
import createClient, { type Client } from 'openapi-fetch';
// generated/ is ES module land (the package's "type"); the cjs/ build's declarations import
// it too, which TypeScript 7 allows from CommonJS only with the resolution mode said.
import type { components, operations, paths } from '../generated/sandbox.js' with { 'resolution-mode': 'import' };
import { createOauthAppsClient, type OauthAppsClient } from './index.js';
import { toClientOptions, type OauthAppsClientOptions } from './options.js';

export type { components as sandboxComponents, operations as sandboxOperations, paths as sandboxPaths };
export type Fault = components['schemas']['Fault'];
export type FaultCreate = components['schemas']['FaultCreate'];
export type SeedApp = components['schemas']['SeedApp'];
export type SandboxClient = Client<paths>;

/**
 *     const sandbox = createSandboxClient({ baseUrl, token });
 *     await sandbox.POST('/__sandbox/reset');
 *     await sandbox.POST('/__sandbox/faults', { body: { operation_id: 'listOauthApps', status: 429, remaining: 1 } });
 */
export function createSandboxClient(options: OauthAppsClientOptions): SandboxClient {
  return createClient<paths>(toClientOptions(options));
}

export type NamespaceCreated = components['schemas']['NamespaceCreated'];

export interface NamespaceOptions extends OauthAppsClientOptions {
  /** The apps it starts with (and resets to): `false` for none; default the server's seed. */
  seed?: SeedApp[] | false;
  /** Seconds it lives unused before the server removes it (default: the server's, 24 h). */
  ttlSeconds?: number;
}

/** A namespace and two typed clients that use its token. */
export interface SandboxNamespace {
  id: string;
  /** The namespace's bearer token (keep it secret; the server shows it only once). */
  token: string;
  expiresAt: string;
  /** The OAuth apps API, as this namespace sees it. */
  api: OauthAppsClient;
  /** The sandbox controls (reset, seed, faults, health) of this namespace. */
  sandbox: SandboxClient;
  /** Removes the namespace and all its data now (otherwise it expires when unused). */
  delete(): Promise<void>;
}

/**
 * Creates an isolated namespace on a sandbox server (with the server's own token) and
 * returns clients bound to it, in one call — e.g. one per CI job or test file:
 *
 *     const ns = await createNamespace({ baseUrl, token: process.env.API_TOKEN, seed: false });
 *     await ns.api.POST('/v1/oauth-apps', { body });
 *     await ns.delete();
 */
export async function createNamespace(options: NamespaceOptions): Promise<SandboxNamespace> {
  const { seed, ttlSeconds, ...clientOptions } = options;
  const admin = createSandboxClient(clientOptions);
  const { data, error, response } = await admin.POST('/__sandbox/namespaces', {
    body: { ...(seed === undefined ? {} : { seed }), ...(ttlSeconds === undefined ? {} : { ttl_seconds: ttlSeconds }) },
  });
  if (!data) throw new Error(`creating a sandbox namespace failed: ${response.status} ${error?.summary ?? response.statusText}`);
  const bound = { ...clientOptions, token: data.token };
  return {
    id: data.id,
    token: data.token,
    expiresAt: data.expires_at,
    api: createOauthAppsClient(bound),
    sandbox: createSandboxClient(bound),
    async delete() {
      const { response: res, error: err } = await admin.DELETE('/__sandbox/namespaces/{namespace_id}', { params: { path: { namespace_id: data.id } } });
      if (!res.ok && res.status !== 404) throw new Error(`deleting sandbox namespace ${data.id} failed: ${res.status} ${err?.summary ?? res.statusText}`);
    },
  };
}
