// Typed client of the sandbox control plane (openapi/sandbox.yaml). Browser-safe.
import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from '../generated/sandbox.js';
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
