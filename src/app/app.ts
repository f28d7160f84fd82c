import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { bundledSandboxJson, bundledSandboxYaml, bundledSpecJson, bundledSpecYaml, docsDir } from '../paths.js';
import { sandboxSteering } from '../sandbox/middleware.js';
import { isPublicCreate } from '../sandbox/public.js';
import { sandboxRoutes } from '../sandbox/routes.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { loadSpec, type OpenApiDocument } from '../spec/index.js';
import { StoreUnavailableError, type OauthAppStore } from '../store/types.js';
import { allowAnonymous, bearerAuth, tokenNamespace } from '../http/auth.js';
import { jsonBody } from '../http/body.js';
import { corsHandler, type CorsOrigins } from '../http/cors.js';
import { ApiError, errorHandler, notFound } from '../http/errors.js';
import { createLogger, requestLog } from '../http/logger.js';
import { oauthAppsRoutes } from '../api/routes.js';
import { apiValidator } from '../http/validator.js';

export interface AppOptions {
  store: OauthAppStore;
  /** The API token every /v1 request must present as `Authorization: Bearer <token>`. */
  token: string;
  /** Check every response against the spec (a 500 names the violation). Default: on unless NODE_ENV=production. */
  validateResponses?: boolean;
  logger?: Logger;
  spec?: OpenApiDocument;
  /** The sandbox control plane's document (default: the bundled sandbox.json, read once per process). */
  sandboxSpec?: OpenApiDocument;
  /** The sandbox (control plane under /__sandbox, `Prefer` steering); absent = off, the API exactly as real. */
  sandbox?: Sandbox;
  /** Browser origins allowed by CORS: `'*'` (default), a list, or `'none'`. */
  corsOrigins?: CorsOrigins;
}

/** Builds the reference server without listening (tests listen on port 0; the CLI on PORT). */
export function createApp(options: AppOptions): Express {
  const log = options.logger ?? createLogger();
  const spec = options.spec ?? bundledSpec();
  const sandboxDocument = () => options.sandboxSpec ?? sandboxSpec();
  const validateResponses = options.validateResponses ?? process.env.NODE_ENV !== 'production';
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(requestLog(log));
  const cors = corsHandler(options.corsOrigins ?? '*', options.sandbox ? [spec, sandboxDocument()] : [spec]);
  if (cors) app.use(cors);

  // Each API surface is one pipeline in the fixed order of express-openapi-validator's
  // examples (body → auth → validation → the operation's handler); a request enters only the
  // one its path prefix names, so the other surface's middleware costs it nothing. The
  // surfaces come first: API calls are the hot path, the public routes below are not.
  // The validator (validator.ts) is built once per spec and process, shared by every app.
  const sandbox = options.sandbox;
  // With the sandbox on, a token other than the server's may open a namespace.
  const namespaceOf = sandbox && ((digest: Buffer) => sandbox.namespaces.resolve(digest));
  const auth = bearerAuth(options.token, namespaceOf);
  const validator = apiValidator(spec, { validateResponses });
  app.use(
    surface('/v1/', [
      // The journal records whatever answers from here on (the body parser, steering, a fault,
      // the validator, the handler), in the namespace the token opens; a 401 opens none.
      ...(sandbox?.journal.enabled ? [sandbox.journal.step(app, log, tokenNamespace(options.token, namespaceOf))] : []),
      jsonBody,
      auth,
      ...(sandbox ? [sandboxSteering(spec, sandbox.faults)] : []),
      validator,
      oauthAppsRoutes(options.store),
    ]),
  );
  if (sandbox) {
    // Built on the first /__sandbox request: its validator's set-up (Ajv compiling, ~90 ms)
    // stays off the start-up path, and servers whose tests never steer it never pay it.
    const sandboxPipeline = lazily(() => [apiValidator(sandboxDocument(), { validateResponses }), sandboxRoutes(sandbox, options.store, spec)]);
    // --public-namespaces: creating a namespace is the one request let in without a token.
    const sandboxAuth = sandbox.publicNamespaces ? allowAnonymous(auth, isPublicCreate) : auth;
    app.use(surface('/__sandbox/', [jsonBody, sandboxAuth, sandboxPipeline]));
  }
  warmUps.set(app, validator.warmUp);

  // Public: liveness, readiness, the contract itself, its docs. /healthz says the process
  // answers (restarting it would not help while the database is down); /readyz also asks the
  // database, so a load balancer stops sending requests to an instance that cannot serve them.
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', (_req, res, next) =>
    void options.store.ping().then(
      () => res.json({ status: 'ok' }),
      (err: unknown) => next(err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`readiness probe failed: ${(err as Error).message}`, { cause: err })),
    ),
  );
  app.get('/openapi.json', (_req, res) => res.sendFile(bundledSpecJson));
  app.get('/openapi.yaml', (_req, res) => res.type('application/yaml').sendFile(bundledSpecYaml));
  if (options.sandbox) app.get('/sandbox.yaml', (_req, res) => res.type('application/yaml').sendFile(bundledSandboxYaml));
  // The docs are a folder (build/docs: the API page, the sandbox page, the specs they offer
  // for download) whose pages link to each other relatively, so that they work as files too:
  // /docs/ is the API page, /docs/sandbox the sandbox's.
  // Only the bare /docs (with or without a query): Express's non-strict matching would also
  // send /docs/ here, redirecting it to /docs//.
  app.get('/docs', (req, res, next) => (req.path === '/docs' ? res.redirect(301, `/docs/${req.url.slice('/docs'.length)}`) : next()));
  app.use('/docs', express.static(docsDir, { extensions: ['html'], redirect: false }));
  app.get(['/docs/', '/docs/sandbox', '/docs/try'], (_req, _res, next) => next(new ApiError(404, 'Docs not built: run `npm run docs`.')));

  app.use(notFound); // the validator already answered unknown /v1 routes (404) and wrong methods (405 + Allow)
  app.use(errorHandler(log));
  return app;
}

type Handler = RequestHandler;

/** A pipeline entered only by requests whose path starts with `prefix` (paths stay whole: the validator needs them). */
function surface(prefix: string, handlers: Handler[]): RequestHandler {
  const run = pipeline(handlers);
  return (req, res, next) => (req.path.startsWith(prefix) ? run(req, res, next) : next());
}

/** A pipeline whose handlers are made on first use. */
function lazily(make: () => Handler[]): RequestHandler {
  let run: RequestHandler | undefined;
  return (req, res, next) => (run ??= pipeline(make()))(req, res, next);
}

/**
 * Runs handlers in order with Express's error semantics (a throw or a rejected promise goes
 * to `next(err)`), without a Router: these handlers match no path, so a Router's per-layer
 * dispatch (path matching, a promise check and a `next` frame per layer) was pure cost.
 */
function pipeline(handlers: Handler[]): RequestHandler {
  return (req, res, done) => {
    let i = 0;
    const next = (err?: unknown) => {
      if (err === 'route' || err === 'router') return done();
      if (err) return done(err);
      const handler = handlers[i++];
      if (!handler) return done();
      try {
        const returned: unknown = handler(req, res, next);
        if (returned instanceof Promise) returned.catch((e: unknown) => done(e ?? new Error('Rejected promise')));
      } catch (e) {
        done(e);
      }
    };
    next();
  };
}

/**
 * Compiles every operation's validators ahead of its first request (in the background, one
 * operation per macrotask); the HTTP server calls it once listening. Shared across apps of
 * one spec, so only the first app of a process does the work.
 */
export function warmUp(app: Express): Promise<void> {
  return warmUps.get(app)?.() ?? Promise.resolve();
}
const warmUps = new WeakMap<Express, () => Promise<void>>();

// The bundled documents, read once per process: one object each, so validators built from
// them are shared by every app (a validator is cached by its spec object).
let bundled: OpenApiDocument | undefined;
let bundledSandbox: OpenApiDocument | undefined;
const bundledSpec = () => (bundled ??= loadSpec());
const sandboxSpec = () => (bundledSandbox ??= loadSpec(bundledSandboxJson));
