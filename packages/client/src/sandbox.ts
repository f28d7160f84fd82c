// Typed client of the sandbox control plane (openapi/sandbox.yaml). Browser-safe.
import createClient, { type Client } from 'openapi-fetch';
// generated/ is ES module land (the package's "type"); the cjs/ build's declarations import
// it too, which TypeScript 7 allows from CommonJS only with the resolution mode said.
import type { components, operations, paths } from '../generated/sandbox.js' with { 'resolution-mode': 'import' };
import type { operations as apiOperations } from '../generated/schema.js' with { 'resolution-mode': 'import' };
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

export type RequestEntry = components['schemas']['RequestEntry'];
export type Coverage = components['schemas']['Coverage'];
export type OperationId = components['schemas']['OperationId'];
/** The journal's filters (`GET /__sandbox/requests`). */
export type RequestFilter = NonNullable<operations['listRequests']['parameters']['query']>;

/** The JSON request body of a contract operation (never for one without a body). */
export type RequestBodyOf<K extends OperationId> = apiOperations[K] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

/** A journal entry of one operation: its request body has that operation's type (with `client_secret` masked). */
export type RequestEntryOf<K extends OperationId> = Omit<RequestEntry, 'operation_id' | 'request'> & {
  operation_id: K;
  request: { body?: RequestBodyOf<K> };
};

/**
 * What the sandbox was sent in this client's namespace, newest first (the request journal):
 *
 *     const [rename] = await requests(sandbox, { operation_id: 'updateOauthApp' });
 *     rename?.request.body?.name; // typed as the update body
 */
export async function requests<K extends OperationId>(client: SandboxClient, filter: RequestFilter & { operation_id: K }): Promise<RequestEntryOf<K>[]>;
export async function requests(client: SandboxClient, filter?: RequestFilter): Promise<RequestEntry[]>;
export async function requests(client: SandboxClient, filter: RequestFilter = {}): Promise<RequestEntry[]> {
  const { data, error, response } = await client.GET('/__sandbox/requests', { params: { query: filter } });
  if (!data) throw new Error(`reading the request journal failed: ${response.status} ${error?.summary ?? response.statusText}`);
  return data.data;
}

/** Which operation × documented status pairs this client's namespace journal shows answered. */
export async function coverage(client: SandboxClient): Promise<Coverage> {
  const { data, error, response } = await client.GET('/__sandbox/coverage');
  if (!data) throw new Error(`reading the coverage failed: ${response.status} ${error?.summary ?? response.statusText}`);
  return data;
}

export interface WaitOptions<E> {
  /** How long to wait before rejecting (default 5000 ms). */
  timeoutMs?: number;
  /** Time between two reads of the journal (default 50 ms). */
  intervalMs?: number;
  /** A further test an entry must pass (its body, its status, …). */
  where?: (entry: E) => boolean;
}

/**
 * The newest journal entry matching `filter` (and `where`), waiting until one arrives: for an
 * end-to-end test that clicks, then checks what the page sent. An entry already there counts;
 * pass `since` (an id) to wait for a newer one. Rejects after `timeoutMs` naming what it saw.
 */
export async function waitForRequest<K extends OperationId>(
  client: SandboxClient,
  filter: RequestFilter & { operation_id: K },
  options?: WaitOptions<RequestEntryOf<K>>,
): Promise<RequestEntryOf<K>>;
export async function waitForRequest(client: SandboxClient, filter: RequestFilter, options?: WaitOptions<RequestEntry>): Promise<RequestEntry>;
export async function waitForRequest(client: SandboxClient, filter: RequestFilter, options: WaitOptions<RequestEntry> = {}): Promise<RequestEntry> {
  const { timeoutMs = 5000, intervalMs = 50, where = () => true } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await requests(client, filter)).find(where);
    if (found) return found;
    if (Date.now() >= deadline) {
      const latest = (await requests(client, { limit: 5 })).map((e) => `${e.method} ${e.path} → ${e.response.status}`);
      throw new Error(
        `no request matching ${JSON.stringify(filter)} within ${timeoutMs} ms; the latest requests: ${latest.length ? latest.join(', ') : 'none'}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}
