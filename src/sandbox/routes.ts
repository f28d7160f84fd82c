import { Router, type RequestHandler } from 'express';
import type { sandboxComponents as components, sandboxOperations as operations } from 'oauth-apps-api-client/sandbox';
import { requestNamespace } from '../server/auth.js';
import { ApiError } from '../server/errors.js';
import { checkLimits } from '../server/limits.js';
import { present } from '../server/present.js';
import type { JsonBody } from '../server/typed.js';
import type { OpenApiDocument } from '../spec/index.js';
import { operationsById } from '../spec/operations.js';
import { DEFAULT_NAMESPACE, type OauthAppStore } from '../store/types.js';
import type { Sandbox } from './sandbox.js';
import { seedProblems } from './seed.js';

type Body<K extends keyof operations> = JsonBody<operations[K]>;

/** Namespaces are the server token's to manage: a namespace token gets a 403 (documented). */
const serverTokenOnly: RequestHandler = (_req, res, next) => {
  if (requestNamespace(res) === DEFAULT_NAMESPACE) return next();
  next(new ApiError(403, "Forbidden: a namespace token cannot manage namespaces; use the server's own token."));
};

/**
 * The control plane under /__sandbox (validated against openapi/sandbox.yaml before it gets
 * here). Every route acts on the namespace of the request's token.
 */
export function sandboxRoutes(sandbox: Sandbox, store: OauthAppStore, contract: OpenApiDocument): Router {
  const r = Router();
  const operations = operationsById(contract);

  r.post('/__sandbox/reset', async (_req, res) => {
    res.json({ apps: await sandbox.reset(requestNamespace(res)) });
  });

  r.put('/__sandbox/seed', async (req, res) => {
    const seed = req.body as Body<'replaceSeed'>;
    const problems = seedProblems(seed);
    if (problems.length) throw ApiError.validation({ body: problems });
    res.json({ apps: await sandbox.replaceSeed(requestNamespace(res), seed) });
  });

  r.put('/__sandbox/oauth-apps/:id/health', async (req, res) => {
    const body = req.body as Body<'setOauthAppHealth'>;
    checkLimits({ notes: body.notes });
    const app = await store.inNamespace(requestNamespace(res)).setHealth(req.params.id, { status: body.status, notes: body.notes ?? [] });
    if (!app) throw ApiError.appNotFound(req.params.id);
    res.json(present(app, false));
  });

  r.get('/__sandbox/faults', async (_req, res) => void res.json({ data: await sandbox.faults.list(requestNamespace(res)) }));

  r.post('/__sandbox/faults', async (req, res) => {
    const body = req.body as Body<'createFault'>;
    if (body.status === undefined && body.delay_ms === undefined) {
      throw ApiError.validation({ body: ['give status, delay_ms or both'] });
    }
    if (body.status !== undefined) {
      const targets = body.operation_id ? [body.operation_id] : [...operations.keys()];
      const missing = targets.filter((op) => !operations.get(op)?.statuses.includes(String(body.status)));
      if (missing.length) throw ApiError.validation({ status: [`${body.status} is not documented for ${missing.join(', ')}`] });
    }
    res.json(await sandbox.faults.add(requestNamespace(res), body));
  });

  r.delete('/__sandbox/faults', async (_req, res) => void res.json({ deleted: await sandbox.faults.clear(requestNamespace(res)) }));

  r.delete('/__sandbox/faults/:fault_id', async (req, res) => {
    if (!(await sandbox.faults.remove(requestNamespace(res), req.params.fault_id))) {
      throw new ApiError(404, `Not found: no fault with ID ${req.params.fault_id}.`);
    }
    res.json({ deleted: 1 });
  });

  r.post('/__sandbox/namespaces', serverTokenOnly, async (req, res) => {
    // The body is optional: none is an empty object.
    const body = (req.body ?? {}) as components['schemas']['NamespaceCreate'];
    if (body.seed) {
      const problems = seedProblems(body.seed);
      if (problems.length) throw ApiError.validation({ seed: problems });
    }
    res.json(await sandbox.createNamespace(body));
  });

  r.get('/__sandbox/namespaces', serverTokenOnly, async (_req, res) => void res.json({ data: await sandbox.namespaces.list() }));

  r.delete('/__sandbox/namespaces/:namespace_id', serverTokenOnly, async (req, res) => {
    const id = req.params.namespace_id as string;
    if (!(await sandbox.namespaces.delete(id))) throw new ApiError(404, `Not found: no namespace with ID ${id}.`);
    res.json({ id, deleted: true as const });
  });

  return r;
}
