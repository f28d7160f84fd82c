import express, { Router, type Express, type RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { Logger } from 'pino';
import { bundledSandboxJson, bundledSandboxYaml, bundledSpecJson, bundledSpecYaml, docsHtml } from '../paths.js';
import { sandboxSteering } from '../sandbox/middleware.js';
import { sandboxRoutes } from '../sandbox/routes.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { loadSpec, type OpenApiDocument } from '../spec/index.js';
import type { OauthAppStore } from '../store/types.js';
import { bearerAuth } from './auth.js';
import { rejectBracketQueryKeys } from './bracket-keys.js';
import { ApiError, errorHandler, notFound } from './errors.js';
import { createLogger, requestLog } from './logger.js';
import { oauthAppsRoutes } from './routes.js';

export interface AppOptions {
  store: OauthAppStore;
  /** The API token every /v1 request must present as `Authorization: Bearer <token>`. */
  token: string;
  /** Check every response against the spec (a 500 names the violation). Default: on unless NODE_ENV=production. */
  validateResponses?: boolean;
  logger?: Logger;
  spec?: OpenApiDocument;
  /** The sandbox (control plane under /__sandbox, `Prefer` steering); absent = off, the API exactly as real. */
  sandbox?: Sandbox;
}

/** Builds the reference server without listening (tests listen on port 0; the CLI on PORT). */
export function createApp(options: AppOptions): Express {
  const log = options.logger ?? createLogger();
  const spec = options.spec ?? loadSpec();
  const validateResponses = options.validateResponses ?? process.env.NODE_ENV !== 'production';
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(requestLog(log));

  // Public: readiness, the contract itself, its docs.
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/openapi.json', (_req, res) => res.sendFile(bundledSpecJson));
  app.get('/openapi.yaml', (_req, res) => res.type('application/yaml').sendFile(bundledSpecYaml));
  if (options.sandbox) app.get('/sandbox.yaml', (_req, res) => res.type('application/yaml').sendFile(bundledSandboxYaml));
  app.get('/docs', (_req, res, next) => {
    res.sendFile(docsHtml, (err) => err && next(new ApiError(404, 'Docs not built: run `npm run docs`.')));
  });

  // Each API surface is one pipeline in the fixed order of express-openapi-validator's
  // examples (body → auth → validation → routes); a request enters only the one its path
  // prefix names, so the other surface's middleware costs it nothing.
  const body = express.json({ limit: '1mb' });
  const sandbox = options.sandbox;
  // With the sandbox on, a token other than the server's may open a namespace.
  const auth = bearerAuth(options.token, sandbox && ((digest) => sandbox.namespaces.resolve(digest)));
  app.use(
    surface('/v1/', [
      body,
      auth,
      ...(sandbox ? [sandboxSteering(spec, sandbox.faults)] : []),
      rejectBracketQueryKeys,
      validator(spec, validateResponses),
      oauthAppsRoutes(options.store),
    ]),
  );
  if (sandbox) {
    // Built on the first /__sandbox request: its validator's set-up (Ajv compiling, ~90 ms)
    // stays off the start-up path, and servers whose tests never steer it never pay it.
    const sandboxPipeline = lazily(() => [validator(loadSpec(bundledSandboxJson), validateResponses), sandboxRoutes(sandbox, options.store, spec)]);
    app.use(surface('/__sandbox/', [body, auth, sandboxPipeline]));
  }
  app.use(notFound); // the validator already answered unknown /v1 routes (404) and wrong methods (405 + Allow)
  app.use(errorHandler(log));
  return app;
}

/** A pipeline entered only by requests whose path starts with `prefix` (paths stay whole: the validator needs them). */
function surface(prefix: string, handlers: (RequestHandler | RequestHandler[] | Router)[]): RequestHandler {
  const router = Router();
  router.use(...(handlers as RequestHandler[]));
  return (req, res, next) => (req.path.startsWith(prefix) ? router(req, res, next) : next());
}

/** A pipeline whose handlers are made on first use. */
function lazily(make: () => (RequestHandler | RequestHandler[] | Router)[]): RequestHandler {
  let router: Router | undefined;
  return (req, res, next) => {
    router ??= Router().use(...(make() as RequestHandler[]));
    router(req, res, next);
  };
}

/** express-openapi-validator for one spec (its surface decides which requests reach it). */
function validator(apiSpec: OpenApiDocument, validateResponses: boolean) {
  return OpenApiValidator.middleware({
    apiSpec: structuredClone(apiSpec) as never,
    validateApiSpec: false, // lint checks the spec; skipping this keeps start-up fast
    // Query and path values are always coerced from text; coerceTypes here is for the body,
    // where 42 must stay a number (and so be refused as a secret), not become "42".
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false, allErrors: true },
    validateResponses: validateResponses ? { removeAdditional: false } : false,
    validateSecurity: false, // bearerAuth does it, in constant time
    fileUploader: false, // no multipart in the contract: one middleware (and one promise hop) less per request
    ignoreUndocumented: false,
  });
}
