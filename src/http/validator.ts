/**
 * express-openapi-validator (eov) 5.6, assembled as ONE middleware, built once per spec and
 * process, with three upstream costs removed. This file is the only place that knows eov's
 * internals; test/server/validator-upstream.test.ts fails loudly when any of them changes shape.
 *
 * 1. Route matching. eov's `applyOpenApiMetadata` (middlewares/openapi.metadata.js,
 *    `lookupRoute`) calls path-to-regexp's `pathToRegexp` for every documented route on every
 *    request and throws the result away (≈ 10 % of a GET's CPU). Upstream: express-openapi-
 *    validator pull request 1217, "perf: cache route matchers" (open). `openApiMetadata` below
 *    is that function with the matchers compiled once; the test proves it gives what upstream's
 *    gives for every case (match, 404, 405 + Allow, malformed URI). Drop it when 1217 ships
 *    (the test's "upstream still compiles per request" case then fails and says so).
 * 2. Start-up. eov's `OpenAPISchemaValidator` constructor compiles the whole OpenAPI 3.1
 *    meta-schema with Ajv even with `validateApiSpec: false` (≈ 140 ms of every start, and of
 *    every validator built). Its export is replaced by a subclass that compiles on first
 *    `validate()`: same results, nothing compiled when nothing is validated. The replacement
 *    is made on the eov copy this package resolves (a consumer's hoisted node_modules
 *    included: it is the copy `import 'express-openapi-validator'` loads), which is why it is
 *    a wrapper and not a patch file (patch-package does not patch a dependency's
 *    dependencies in a consumer's install).
 * 3. First requests. Each operation's Ajv validators compile on its first request (60–95 ms
 *    each). `warmUp()` compiles them ahead, one operation per macrotask so requests interleave;
 *    the HTTP server calls it once listening. And the whole build (spec load, preprocessing,
 *    compiled validators) is shared by every app made from the same spec document in one
 *    process (in-process APIs make one app per test): it holds no per-app state.
 *
 * 4. Compiling. eov compiles each route's request schemas and each (route, status) response
 *    schema as its own Ajv root that embeds the whole `paths` and `components` (response
 *    validator `buildValidators`, request `Validator`): every root traverses the whole document
 *    and recompiles every schema it references, though most roots are equal (the Error body
 *    of 400, 401, 404, 422, 429 and 500 on every route). `sharingCompiles` gives eov an Ajv that
 *    compiles each distinct root once and hands the same function to every key asking for it
 *    (the roots' `paths` and `components` are the same objects, so equal roots validate alike).
 *    Upstream knows its several Ajv set-ups cost (express-openapi-validator issue 1055); the
 *    upstream test fails when eov stops building roots this way.
 *
 * 5. A required body left out is refused where eov lets it through (see `missingBody`).
 *
 * Behaviour is eov's own: its RequestValidator and ResponseValidator do the checking, in its
 * documented order (metadata → security (off: bearerAuth does it) → request → response); only
 * the four promise hops and Express layers between the stages are gone.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AjvOptions } from 'express-openapi-validator/dist/framework/ajv/options.js';
import { defaultSerDes } from 'express-openapi-validator/dist/framework/base.serdes.js';
import { OpenApiSpecLoader } from 'express-openapi-validator/dist/framework/openapi.spec.loader.js';
import { OpenApiContext } from 'express-openapi-validator/dist/framework/openapi.context.js';
import { SchemaPreprocessor, httpMethods } from 'express-openapi-validator/dist/middlewares/parsers/schema.preprocessor.js';
import { RequestValidator } from 'express-openapi-validator/dist/middlewares/openapi.request.validator.js';
import { ResponseValidator } from 'express-openapi-validator/dist/middlewares/openapi.response.validator.js';
import { ContentType } from 'express-openapi-validator/dist/middlewares/util.js';
import { BadRequest, MethodNotAllowed, NotFound } from 'express-openapi-validator/dist/framework/types.js';
import type { OpenApiDocument } from '../spec/index.js';
import { acceptingUnencodedJsonQuery } from '../spec/lenient.js';
import { bracketKeyError } from './bracket-keys.js';

const require = createRequire(import.meta.url);
const eovEntry = require.resolve('express-openapi-validator');
/** path-to-regexp exactly as eov resolves it (its own dependency), so routes compile as upstream compiles them. */
const { pathToRegexp } = createRequire(eovEntry)('path-to-regexp') as {
  pathToRegexp(path: string, options: { sensitive: boolean; strict: boolean }): { regexp: RegExp; keys: { name: string }[] };
};

// --- 2. The meta-schema compiled on first use, not in the constructor. -----------------------
type SchemaValidatorClass = new (opts: { version: string; validateApiSpec: boolean }) => { validate(doc: unknown): { errors: unknown[] } };
const schemaValidatorModule = createRequire(eovEntry)('./framework/openapi.schema.validator.js') as { OpenAPISchemaValidator: SchemaValidatorClass & { lazy?: true } };
if (!schemaValidatorModule.OpenAPISchemaValidator.lazy) {
  const Eager = schemaValidatorModule.OpenAPISchemaValidator;
  schemaValidatorModule.OpenAPISchemaValidator = class LazyOpenAPISchemaValidator {
    static lazy = true as const;
    #eager?: InstanceType<SchemaValidatorClass>;
    constructor(private readonly opts: { version: string; validateApiSpec: boolean }) {}
    validate(doc: unknown) {
      return (this.#eager ??= new Eager(this.opts)).validate(doc);
    }
  };
}

type EovRequest = Request & { openapi?: Record<string, unknown> };
/** The shape of eov's context we read (its d.ts leaves these loosely typed). */
type Context = OpenApiContext & {
  expressRouteMap: Record<string, Record<string, unknown> & { basePath: string; _openApiRoute: string }>;
  openApiRouteMap: Record<string, Record<string, unknown>>;
  apiDoc: { paths: Record<string, Record<string, unknown>> };
};
type ResponseDoc = { paths: Record<string, Record<string, unknown>> } | null;

// --- 1. eov's applyOpenApiMetadata, route matchers compiled once. ------------------------------
/** Sets `req.openapi` (route, operation, path params) as upstream does, or throws its 404 / 405 / 400. */
export function openApiMetadata(context: Context, responseApiDoc: ResponseDoc): (req: EovRequest) => void {
  const routes = Object.entries(context.expressRouteMap).map(([expressRoute, methods]) => ({
    expressRoute,
    openApiRoute: methods._openApiRoute,
    pathKey: methods._openApiRoute.substring(methods.basePath.length),
    // By the app's routing options (case sensitive × strict: index 0–3), compiled on first use.
    matchers: [] as ReturnType<typeof pathToRegexp>[],
  }));
  return (req) => {
    const path = req.path.startsWith(req.baseUrl) ? req.path : `${req.baseUrl}/${req.path}`;
    if (context.shouldIgnoreRoute(path)) return;
    const query = req.originalUrl.indexOf('?');
    const url = query < 0 ? req.originalUrl : req.originalUrl.slice(0, query);
    const method = req.method.toLowerCase();
    const sensitive = req.app.enabled('case sensitive routing');
    const strict = req.app.enabled('strict routing');
    const options = (sensitive ? 2 : 0) + (strict ? 1 : 0);
    for (const route of routes) {
      const { regexp, keys } = (route.matchers[options] ??= pathToRegexp(route.expressRoute, { sensitive, strict }));
      const found = regexp.exec(url);
      if (!found) continue;
      const pathParams: Record<string, string> = {};
      for (let i = 0; i < keys.length; i++) {
        try {
          pathParams[keys[i]!.name] = decodeURIComponent(found[i + 1]!);
        } catch {
          // Upstream's error, with the parameter it is about as its path (upstream gives the
          // request's path), so that the 422 names the field: `id`, not `oauth-apps`.
          throw new BadRequest({ path: `/path/${keys[i]!.name}`, message: `malformed uri'` });
        }
      }
      const schema = context.apiDoc.paths[route.pathKey]![method];
      if (!schema) {
        if (context.ignoreUndocumented) return;
        throw new MethodNotAllowed({
          path: req.path,
          message: `${req.method} method not allowed`,
          headers: {
            Allow: Object.keys(context.openApiRouteMap[route.openApiRoute]!)
              .filter((key) => httpMethods.has(key.toLowerCase()))
              .join(', '),
          },
        });
      }
      req.openapi = { expressRoute: route.expressRoute, openApiRoute: route.openApiRoute, pathParams, schema, serial: context.serial };
      req.params = pathParams;
      if (responseApiDoc) req.openapi._responseSchema = responseApiDoc.paths[route.pathKey]![method];
      return;
    }
    if (context.isManagedRoute(path) && !context.ignoreUndocumented) throw new NotFound({ path: req.path, message: 'not found' });
  };
}

// --- The validator, built once per (spec, options). --------------------------------------------
export interface ValidatorOptions {
  /** Check responses against the spec (a violation becomes a 500 naming it). */
  validateResponses: boolean;
}

interface Built {
  handle(req: EovRequest, res: Response, next: NextFunction): void;
  warmUp(): Promise<void>;
}

const built = new WeakMap<OpenApiDocument, Map<string, Promise<Built>>>();

/**
 * The request/response validator for a spec as one Express middleware. Built in the
 * background from the first call for this spec document and these options, then shared.
 */
export function apiValidator(spec: OpenApiDocument, options: ValidatorOptions): RequestHandler & { warmUp(): Promise<void> } {
  const key = JSON.stringify(options);
  const bySpec = built.get(spec) ?? built.set(spec, new Map()).get(spec)!;
  let building = bySpec.get(key);
  if (!building) bySpec.set(key, (building = build(spec, options)));
  let ready: Built | undefined;
  void building.then((b) => (ready = b), () => undefined);
  const middleware: RequestHandler = (req, res, next) => {
    if (ready) return ready.handle(req, res, next);
    building.then((b) => b.handle(req, res, next), next);
  };
  return Object.assign(middleware, { warmUp: () => building.then((b) => b.warmUp()) });
}

/**
 * eov's options for this server, written out as its OpenApiValidator constructor normalizes
 * them (the upstream test checks they come out the same): importing that class would load
 * all of eov's middleware (multer included) for nothing.
 */
export function eovOptions({ validateResponses }: ValidatorOptions) {
  return {
    validateApiSpec: false, // lint checks the spec
    // Query and path values are always coerced from text; coerceTypes here is for the body,
    // where 42 must stay a number (and so be refused as a secret), not become "42".
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false, allErrors: true },
    validateResponses: validateResponses ? { removeAdditional: false } : (false as const),
    validateSecurity: false as const, // bearerAuth does it, in constant time
    fileUploader: false as const, // no multipart in the contract
    ignoreUndocumented: false,
    // eov's defaults, made explicit:
    $refParser: { mode: 'bundle' as const },
    validateFormats: true,
    formats: {},
    useRequestUrl: false,
    operationHandlers: false as const,
    serDes: defaultSerDes,
    ajvFormats: { mode: 'fast' as const },
  };
}

async function build(spec: OpenApiDocument, { validateResponses }: ValidatorOptions): Promise<Built> {
  const options = eovOptions({ validateResponses });
  const ajvOpts = new AjvOptions(options as never) as unknown as { preprocessor: never; request: never; response: never };
  // A copy, lenient on unencoded JSON in the query (see spec/lenient.ts).
  const loaded = await new OpenApiSpecLoader({ apiDoc: acceptingUnencodedJsonQuery(spec) as never, validateApiSpec: false, $refParser: options.$refParser }).load();
  const { apiDocRes } = new SchemaPreprocessor(loaded.apiDoc, ajvOpts.preprocessor, options.validateResponses as never).preProcess();
  const context = new OpenApiContext(loaded, undefined as never, false, false) as Context;
  const responseDoc = apiDocRes as unknown as NonNullable<ResponseDoc>;
  const metadata = openApiMetadata(context, validateResponses ? responseDoc : null);
  const requests = new RequestValidator(context.apiDoc as never, ajvOpts.request) as unknown as RequestValidatorInternals;
  requests.ajv = sharingCompiles(requests.ajv);
  requests.ajvBody = sharingCompiles(requests.ajvBody);
  const responses = validateResponses ? new ResponseValidator(apiDocRes as never, ajvOpts.response, options.validateResponses as never, context.serial) : undefined;
  if (responses) {
    const internals = responses as unknown as ResponseValidatorInternals;
    internals.ajvBody = sharingCompiles(internals.ajvBody);
  }
  const checkResponse = responses?.validate() as RequestHandler | undefined;
  const proceed = () => undefined;

  return {
    handle(req, res, next) {
      try {
        const refused = bracketKeyError(req);
        if (refused) return next(refused);
        metadata(req);
        requests.validate(req, res, proceed); // throws eov's 400 on a refused request
        if (req.body === undefined && (req.openapi?.schema as Operation | undefined)?.requestBody?.required) throw missingBody();
      } catch (err) {
        return next(err);
      }
      if (checkResponse) checkResponse(req, res, next);
      else next();
    },
    // One operation per macrotask: a request arriving meanwhile waits for one compile at most.
    async warmUp() {
      for (const route of loaded.routes) {
        await new Promise((resolve) => setImmediate(resolve));
        const pathKey = route.openApiRoute.substring(route.basePath.length);
        const method = route.method.toLowerCase();
        const schema = context.apiDoc.paths[pathKey]![method] as { requestBody?: unknown };
        // The Content-Type clients send: JSON with a body, none without.
        const sent = schema.requestBody ? 'application/json' : undefined;
        const contentType = ContentType.from({ headers: { 'content-type': sent } } as never);
        const key = `${route.method}-${route.expressRoute}-${contentType.normalize() ?? 'not_provided'}`;
        requests.middlewareCache[key] ??= requests.buildMiddleware(route.expressRoute, schema, contentType, key);
        if (responses) {
          const request = { method: route.method, headers: { 'content-type': sent }, openapi: { expressRoute: route.expressRoute } };
          const responseSchema = responseDoc.paths[pathKey]![method] as { responses: unknown };
          (responses as unknown as ResponseValidatorInternals)._getOrBuildValidator(request, responseSchema.responses);
        }
      }
    },
  };
}

// --- 5. A required body that is absent. ---------------------------------------------------------
// eov decides whether the body is required from the body *schema*'s `required` (its list of
// required properties), not from the operation's `requestBody.required`: a body whose schema
// requires no property (PATCH's) may then be left out. Refused here in eov's own words, so the
// answer is the one a POST without a body gets. The upstream test fails when eov fixes it.
type Operation = { requestBody?: { required?: boolean } };
const missingBody = () => new BadRequest({ path: '/body', message: "must have required property 'body'" });

/** eov's RequestValidator members used here (private in its d.ts; the upstream test pins them). */
interface RequestValidatorInternals {
  validate(req: Request, res: Response, next: NextFunction): void;
  middlewareCache: Record<string, unknown>;
  buildMiddleware(path: string, schema: unknown, contentType: ContentType, key: string): unknown;
  ajv: SchemaRegistry;
  ajvBody: SchemaRegistry;
}
interface ResponseValidatorInternals {
  _getOrBuildValidator(req: unknown, responses: unknown): unknown;
  ajvBody: SchemaRegistry;
}

// --- 4. Each distinct root schema compiled once. -------------------------------------------------
/**
 * An Ajv that compiles each distinct root once: eov adds a root per key (`addSchema(root, key)`
 * then `getSchema(key)`, its `useAjvCache`); an equal root added under another key gets the
 * function already compiled. Roots are compared without their `paths` and `components`, which
 * eov sets to the same document objects on every root. (Their serDes functions, which JSON
 * leaves out, follow from the formats it keeps: this server uses eov's fixed default serDes.)
 * Everything else (errorsText, options, formats) is the Ajv itself, through the prototype.
 */
export function sharingCompiles<A extends SchemaRegistry>(ajv: A): A {
  if ((ajv as A & { sharing?: true }).sharing) return ajv;
  const byRoot = new Map<string, unknown>();
  const byKey = new Map<string, unknown>();
  const sharing: SchemaRegistry & { sharing: true } = {
    sharing: true,
    getSchema: (key) => byKey.get(key) ?? ajv.getSchema(key),
    addSchema(schema, key) {
      if (typeof key !== 'string' || !schema || typeof schema !== 'object' || Array.isArray(schema)) return ajv.addSchema(schema, key);
      const { paths: _paths, components: _components, ...root } = schema as Record<string, unknown>;
      const shape = JSON.stringify(root);
      let compiled = byRoot.get(shape);
      if (!compiled) {
        ajv.addSchema(schema, key);
        compiled = ajv.getSchema(key);
        if (!compiled) return this; // nothing compiled: eov's own getSchema(key) reports it
        byRoot.set(shape, compiled);
      }
      byKey.set(key, compiled);
      return this;
    },
  };
  return Object.assign(Object.create(ajv) as A, sharing);
}

/** The part of Ajv that eov's `useAjvCache` calls. */
interface SchemaRegistry {
  getSchema(key: string): unknown;
  addSchema(schema: unknown, key?: string): unknown;
}

// --- A spec file, as eov reads one. --------------------------------------------------------------
/**
 * Reads an OpenAPI file (JSON or YAML). A file whose `$ref`s all point inside it is taken as
 * it is (its components keep their names, so locations read `#/components/schemas/…`); one
 * split over several files is resolved by eov's own loader, dereferenced (eov's bundle mode
 * leaves references to other files' parts that its own route discovery cannot follow).
 */
export async function loadSpecFile(file: string): Promise<OpenApiDocument> {
  const text = readFileSync(file, 'utf8');
  const doc = (file.endsWith('.json') ? JSON.parse(text) : (await import('yaml')).parse(text)) as OpenApiDocument;
  if (!doc || typeof doc !== 'object' || !doc.paths) throw new Error(`${file} is not an OpenAPI document (it has no paths)`);
  if (!/"\$ref":"(?!#)/.test(JSON.stringify(doc))) return doc;
  const loaded = await new OpenApiSpecLoader({ apiDoc: file as never, validateApiSpec: false, $refParser: { mode: 'dereference' } }).load();
  return loaded.apiDoc as unknown as OpenApiDocument;
}
