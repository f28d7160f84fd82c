import { Router } from 'express';
import type { sandboxOperations as operations } from 'oauth-apps-api-client/sandbox';
import { ApiError } from '../server/errors.js';
import { checkLimits } from '../server/limits.js';
import { present } from '../server/present.js';
import type { JsonBody } from '../server/typed.js';
import type { OpenApiDocument } from '../spec/index.js';
import { operationsById } from '../spec/operations.js';
import type { OauthAppStore } from '../store/types.js';
import type { Sandbox } from './sandbox.js';
import { seedProblems } from './seed.js';

type Body<K extends keyof operations> = JsonBody<operations[K]>;

/** The control plane under /__sandbox (validated against openapi/sandbox.yaml before it gets here). */
export function sandboxRoutes(sandbox: Sandbox, store: OauthAppStore, contract: OpenApiDocument): Router {
  const r = Router();
  const operations = operationsById(contract);

  r.post('/__sandbox/reset', async (_req, res) => {
    res.json({ apps: await sandbox.reset() });
  });

  r.put('/__sandbox/seed', async (req, res) => {
    const seed = req.body as Body<'replaceSeed'>;
    const problems = seedProblems(seed);
    if (problems.length) throw ApiError.validation({ body: problems });
    res.json({ apps: await sandbox.replaceSeed(seed) });
  });

  r.put('/__sandbox/oauth-apps/:id/health', async (req, res) => {
    const body = req.body as Body<'setOauthAppHealth'>;
    checkLimits({ notes: body.notes });
    const app = await store.setHealth(req.params.id, { status: body.status, notes: body.notes ?? [] });
    if (!app) throw ApiError.appNotFound(req.params.id);
    res.json(present(app, false));
  });

  r.get('/__sandbox/faults', (_req, res) => void res.json({ data: sandbox.faults.list() }));

  r.post('/__sandbox/faults', (req, res) => {
    const body = req.body as Body<'createFault'>;
    if (body.status === undefined && body.delay_ms === undefined) {
      throw ApiError.validation({ body: ['give status, delay_ms or both'] });
    }
    if (body.status !== undefined) {
      const targets = body.operation_id ? [body.operation_id] : [...operations.keys()];
      const missing = targets.filter((op) => !operations.get(op)?.statuses.includes(String(body.status)));
      if (missing.length) throw ApiError.validation({ status: [`${body.status} is not documented for ${missing.join(', ')}`] });
    }
    res.json(sandbox.faults.add(body));
  });

  r.delete('/__sandbox/faults', (_req, res) => void res.json({ deleted: sandbox.faults.clear() }));

  r.delete('/__sandbox/faults/:fault_id', (req, res) => {
    if (!sandbox.faults.remove(req.params.fault_id)) throw new ApiError(404, `Not found: no fault with ID ${req.params.fault_id}.`);
    res.json({ deleted: 1 });
  });

  return r;
}
