import type { Request, RequestHandler, Response } from 'express';
import type { operations } from 'oauth-apps-api-client';
import { DuplicateClientIdError, type Metadata, type OauthAppStore } from '../store/types.js';
import { requestNamespace } from '../http/auth.js';
import { ApiError } from '../http/errors.js';
import { checkLimits } from '../http/limits.js';
import { byOperationId } from '../http/operations.js';
import { present } from '../http/present.js';
import type { JsonBody } from '../http/typed.js';

type Query<K extends keyof operations> = NonNullable<operations[K]['parameters']['query']>;
type Body<K extends keyof operations> = JsonBody<operations[K]>;

// The validator has coerced and checked every input by the time a handler runs, so the
// typed views below are what the spec promises.
const query = <K extends keyof operations>(req: Request) => req.query as Query<K>;
const reveal = (q: { truncate_secrets?: boolean }) => q.truncate_secrets === false;

/** The five operations of the contract, thin: typed input → store → shaped output. */
export function oauthAppsRoutes(store: OauthAppStore): RequestHandler {
  // The store as the request's token sees it (its namespace).
  const apps = (res: Response) => store.inNamespace(requestNamespace(res));

  return byOperationId<operations>({
    listOauthApps: async (req, res) => {
      const q = query<'listOauthApps'>(req);
      // On the wire (and so in the generated type) `metadata` is a JSON string; the validator
      // has parsed it into the object its content schema describes.
      const metadata = q.metadata as unknown as Metadata | undefined;
      checkLimits({ metadata });
      const found = await apps(res).list({ provider: q.provider, healthStatus: q['health.status'], metadata });
      res.json({ data: found.map((a) => present(a, reveal(q))) });
    },

    createOauthApp: async (req, res) => {
      const body = req.body as Body<'createOauthApp'>;
      checkLimits(body);
      try {
        res.json(present(await apps(res).create(body), false));
      } catch (err) {
        if (err instanceof DuplicateClientIdError) throw ApiError.validation({ client_id: ['has already been taken'] });
        throw err;
      }
    },

    getOauthApp: async (req, res) => {
      const app = await apps(res).get(req.params.id);
      if (!app) throw ApiError.appNotFound(req.params.id);
      res.json(present(app, reveal(query<'getOauthApp'>(req))));
    },

    updateOauthApp: async (req, res) => {
      const body = req.body as Body<'updateOauthApp'>;
      checkLimits(body);
      const app = await apps(res).update(req.params.id, body);
      if (!app) throw ApiError.appNotFound(req.params.id);
      res.json(present(app, false));
    },

    deleteOauthApp: async (req, res) => {
      if (!(await apps(res).delete(req.params.id))) throw ApiError.appNotFound(req.params.id);
      res.json({ id: req.params.id, deleted: true });
    },
  });
}
