import { existsSync } from 'node:fs';
import express, { type Express } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { Logger } from 'pino';
import { bundledSandboxJson, bundledSpecJson, bundledSpecYaml, docsHtml } from '../paths.js';
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
  app.get('/docs', (_req, res, next) => {
    if (existsSync(docsHtml)) return res.sendFile(docsHtml);
    next(new ApiError(404, 'Docs not built: run `npm run docs`.'));
  });

  // The fixed order of express-openapi-validator's examples: body → auth → validation → routes.
  app.use(express.json({ limit: '1mb' }));
  app.use(options.sandbox ? ['/v1', '/__sandbox'] : '/v1', bearerAuth(options.token));
  if (options.sandbox) app.use('/v1', sandboxSteering(spec, options.sandbox.faults));
  app.use('/v1', rejectBracketQueryKeys);
  app.use(validator(spec, /^\/v1\//, validateResponses));
  app.use(oauthAppsRoutes(options.store));
  if (options.sandbox) {
    app.use(validator(loadSpec(bundledSandboxJson), /^\/__sandbox\//, validateResponses));
    app.use(sandboxRoutes(options.sandbox, options.store, spec));
  }
  app.use(notFound); // the validator already answered unknown /v1 routes (404) and wrong methods (405 + Allow)
  app.use(errorHandler(log));
  return app;
}

/** express-openapi-validator for one spec, applied to the paths `scope` matches. */
function validator(apiSpec: OpenApiDocument, scope: RegExp, validateResponses: boolean) {
  return OpenApiValidator.middleware({
    apiSpec: structuredClone(apiSpec) as never,
    validateApiSpec: false, // lint checks the spec; skipping this keeps start-up fast
    // Query and path values are always coerced from text; coerceTypes here is for the body,
    // where 42 must stay a number (and so be refused as a secret), not become "42".
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false, allErrors: true },
    validateResponses: validateResponses ? { removeAdditional: false } : false,
    validateSecurity: false, // bearerAuth does it, in constant time
    ignoreUndocumented: false,
    ignorePaths: (path: string) => !scope.test(path),
  });
}
