import type { RequestHandler } from 'express';
import type { sandboxComponents as components, sandboxOperations as operations } from 'oauth-apps-api-client/sandbox';
import { isAnonymous, requestNamespace } from '../http/auth.js';
import { ApiError } from '../http/errors.js';
import { checkLimits } from '../http/limits.js';
import { byOperationId, type OperationHandler } from '../http/operations.js';
import { present } from '../http/present.js';
import type { JsonBody } from '../http/typed.js';
import { coverageOf } from '../journal/coverage.js';
import type { JournalFilter } from '../journal/journal.js';
import type { OpenApiDocument } from '../spec/index.js';
import { operationsById } from '../spec/operations.js';
import { DEFAULT_NAMESPACE, type OauthAppStore } from '../store/types.js';
import type { Sandbox } from './sandbox.js';
import { seedProblems } from './seed.js';

type Body<K extends keyof operations> = JsonBody<operations[K]>;

/** Namespaces are the server token's to manage: a namespace token gets a 403 (documented). */
const serverTokenOnly =
  <Op>(handler: OperationHandler<Op>): OperationHandler<Op> =>
  (req, res) => {
    if (requestNamespace(res) !== DEFAULT_NAMESPACE) throw new ApiError(403, "Forbidden: a namespace token cannot manage namespaces; use the server's own token.");
    return handler(req, res);
  };

/** createNamespace for a request let in without a token: a public namespace, for its client address. */
const publicOr =
  <Op>(sandbox: Sandbox, handler: OperationHandler<Op>): OperationHandler<Op> =>
  async (req, res) => {
    if (!isAnonymous(res)) return handler(req, res);
    const body = (req.body ?? {}) as components['schemas']['NamespaceCreate'];
    res.json(await sandbox.publicNamespaces!.create(req.ip ?? 'unknown', body));
  };

/**
 * The control plane under /__sandbox (validated against openapi/sandbox.yaml before it gets
 * here). Every route acts on the namespace of the request's token.
 */
export function sandboxRoutes(sandbox: Sandbox, store: OauthAppStore, contract: OpenApiDocument): RequestHandler {
  const contractOperations = operationsById(contract);

  return byOperationId<operations>({
    resetSandbox: async (_req, res) => {
      res.json({ apps: await sandbox.reset(requestNamespace(res)) });
    },

    replaceSeed: async (req, res) => {
      const seed = req.body as Body<'replaceSeed'>;
      const problems = seedProblems(seed);
      if (problems.length) throw ApiError.validation({ body: problems });
      res.json({ apps: await sandbox.replaceSeed(requestNamespace(res), seed) });
    },

    setOauthAppHealth: async (req, res) => {
      const body = req.body as Body<'setOauthAppHealth'>;
      checkLimits({ notes: body.notes });
      const app = await store.inNamespace(requestNamespace(res)).setHealth(req.params.id, { status: body.status, notes: body.notes ?? [] });
      if (!app) throw ApiError.appNotFound(req.params.id);
      res.json(present(app, false));
    },

    listFaults: async (_req, res) => void res.json({ data: await sandbox.faults.list(requestNamespace(res)) }),

    createFault: async (req, res) => {
      const body = req.body as Body<'createFault'>;
      if (body.status === undefined && body.delay_ms === undefined) {
        throw ApiError.validation({ body: ['give status, delay_ms or both'] });
      }
      if (body.status !== undefined) {
        const targets = body.operation_id ? [body.operation_id] : [...contractOperations.keys()];
        const missing = targets.filter((op) => !contractOperations.get(op)?.statuses.includes(String(body.status)));
        if (missing.length) throw ApiError.validation({ status: [`${body.status} is not documented for ${missing.join(', ')}`] });
      }
      res.json(await sandbox.faults.add(requestNamespace(res), body));
    },

    clearFaults: async (_req, res) => void res.json({ deleted: await sandbox.faults.clear(requestNamespace(res)) }),

    deleteFault: async (req, res) => {
      if (!(await sandbox.faults.remove(requestNamespace(res), req.params.fault_id))) {
        throw new ApiError(404, `Not found: no fault with ID ${req.params.fault_id}.`);
      }
      res.json({ deleted: 1 });
    },

    // The journal of the request's namespace only (see src/journal).
    listRequests: async (req, res) => void res.json({ data: await sandbox.journal.list(requestNamespace(res), req.query as JournalFilter) }),

    getRequest: async (req, res) => {
      const entry = await sandbox.journal.get(requestNamespace(res), Number(req.params.request_id));
      if (!entry) throw new ApiError(404, `Not found: no journaled request with ID ${req.params.request_id}.`);
      res.json(entry);
    },

    clearRequests: async (_req, res) => void res.json({ deleted: await sandbox.journal.clear(requestNamespace(res)) }),

    getCoverage: async (_req, res) => void res.json(coverageOf(contract, await sandbox.journal.counts(requestNamespace(res)))),

    // Without a token (let in only with --public-namespaces): the server's seed, under the public caps.
    createNamespace: publicOr(sandbox, serverTokenOnly(async (req, res) => {
      // The body is optional: none is an empty object.
      const body = (req.body ?? {}) as components['schemas']['NamespaceCreate'];
      if (body.seed) {
        const problems = seedProblems(body.seed);
        if (problems.length) throw ApiError.validation({ seed: problems });
      }
      res.json(await sandbox.createNamespace(body));
    })),

    listNamespaces: serverTokenOnly(async (_req, res) => void res.json({ data: await sandbox.namespaces.list() })),

    deleteNamespace: serverTokenOnly(async (req, res) => {
      const id = req.params.namespace_id as string;
      if (!(await sandbox.namespaces.delete(id))) throw new ApiError(404, `Not found: no namespace with ID ${id}.`);
      res.json({ id, deleted: true as const });
    }),
  });
}
