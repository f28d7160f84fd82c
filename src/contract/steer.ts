import { randomUUID } from 'node:crypto';
import { createSandboxClient, type SandboxClient, type sandboxComponents } from 'oauth-apps-api-client/sandbox';
import { deref, type OpenApiDocument } from '../spec/index.js';
import type { Operation } from '../spec/operations.js';

/**
 * How the suite can reach the documented responses no case produced: through a sandbox's
 * `Prefer: code=` steering and its faults. Everything here only prepares requests and
 * decides where they go; the runner sends them through its checking fetch, so a steered
 * answer is validated by the same conformance checker as every other response.
 */
export type Steering =
  /** Not a sandbox (or not asked to steer): nothing is sent, each unreached response is named with `why`. */
  | { kind: 'none'; why: string }
  /**
   * A sandbox. `namespace` is set when the suite created one of its own (faults allowed: they
   * hit no one else's requests); otherwise it steers with `Prefer` only, with the given token,
   * since a Prefer header changes only the request that carries it.
   */
  | { kind: 'sandbox'; token: string; namespace?: { id: string; remove(): Promise<string | undefined> }; note?: string };

/** What a steered response needs from the spec: the example names a sandbox can answer it with. */
export function exampleNames(spec: OpenApiDocument, op: Operation, status: string): string[] {
  const response = deref(spec, (spec.paths[op.template]?.[op.method.toLowerCase()] as any)?.responses?.[status]);
  return Object.keys(deref(spec, response)?.content?.['application/json']?.examples ?? {});
}

/**
 * A request for `op` that a sandbox can steer: a valid token, the spec's request example as
 * the body, and path parameters that name nothing (a fresh UUID), so that a sandbox which
 * ignored the steering could not touch an existing app (get, update and delete of it are 404s).
 */
export function steerableRequest(spec: OpenApiDocument, baseUrl: string, op: Operation, token: string, prefer?: string): Request {
  const operation = spec.paths[op.template]?.[op.method.toLowerCase()] as any;
  const path = op.template.replace(/\{[^}]+\}/g, () => randomUUID());
  const headers = new Headers({ authorization: `Bearer ${token}` });
  if (prefer) headers.set('prefer', prefer);
  let body: string | undefined;
  const content = deref(spec, operation?.requestBody)?.content?.['application/json'];
  if (content) {
    const example = Object.values<any>(content.examples ?? {})[0];
    body = JSON.stringify(deref(spec, example)?.value ?? content.example ?? {});
    headers.set('content-type', 'application/json');
  }
  return new Request(`${baseUrl.replace(/\/+$/, '')}${path}`, { method: op.method, headers, body });
}

/**
 * Finds out whether the target is a sandbox and, if so, takes a namespace of the suite's own
 * (removed at the end by `namespace.remove`). A target is a sandbox when it answers
 * `GET /__sandbox/faults` with 200 (any token of a sandbox may list its faults). That probe
 * goes through `probeFetch`, unchecked (another target's 404 is no violation of the sandbox
 * spec); the control-plane requests after it go through `sandboxFetch`, which checks each
 * answer against the sandbox spec.
 */
export async function detectSandbox(
  baseUrl: string,
  token: string | undefined,
  fetches: { probeFetch: (req: Request) => Promise<Response>; sandboxFetch: (req: Request) => Promise<Response> },
): Promise<Steering> {
  if (!token) return { kind: 'none', why: 'no token was given, and a sandbox steers only authenticated requests' };
  let listed: Response;
  try {
    listed = (await createSandboxClient({ baseUrl, token, fetch: fetches.probeFetch }).GET('/__sandbox/faults')).response;
  } catch (err) {
    return { kind: 'none', why: `the target is no sandbox (GET /__sandbox/faults failed: ${(err as Error).message})` };
  }
  if (listed.status !== 200) return { kind: 'none', why: `the target is no sandbox (GET /__sandbox/faults answered ${listed.status})` };
  const sandbox: SandboxClient = createSandboxClient({ baseUrl, token, fetch: fetches.sandboxFetch });

  // A short TTL: should the suite die before deleting it, the namespace goes by itself.
  const created = await sandbox.POST('/__sandbox/namespaces', { body: { seed: false, ttl_seconds: 900 } });
  if (!created.data) {
    const reason = created.response.status === 403 ? '403 (the token is a namespace\'s, which may not create one)' : `${created.response.status}${created.error?.summary ? ` ${created.error.summary}` : ''}`;
    return {
      kind: 'sandbox',
      token,
      note: `POST /__sandbox/namespaces answered ${reason}; no faults, which would hit the namespace's other requests`,
    };
  }
  const { id } = created.data;
  return {
    kind: 'sandbox',
    token: created.data.token,
    namespace: {
      id,
      async remove() {
        const { response } = await sandbox.DELETE('/__sandbox/namespaces/{namespace_id}', { params: { path: { namespace_id: id } } });
        return response.ok ? undefined : `DELETE /__sandbox/namespaces/${id} answered ${response.status}`;
      },
    },
  };
}

/** Installs a fault that makes the next call of `operationId` answer `status` (in the suite's own namespace). */
export async function installFault(baseUrl: string, token: string, sandboxFetch: (req: Request) => Promise<Response>, operationId: string, status: number): Promise<string | undefined> {
  const sandbox = createSandboxClient({ baseUrl, token, fetch: sandboxFetch });
  // The sandbox spec's OperationId enum lists the contract's operations, which is where this one comes from.
  const operation_id = operationId as sandboxComponents['schemas']['OperationId'];
  const { response, error } = await sandbox.POST('/__sandbox/faults', { body: { operation_id, status, remaining: 1 } });
  return response.ok ? undefined : `POST /__sandbox/faults (${operationId}, ${status}) answered ${response.status}${error?.summary ? `: ${error.summary}` : ''}`;
}
