import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Express } from 'express';
import { OpenApiValidator } from 'express-openapi-validator/dist/openapi.validator.js';
import { AjvOptions } from 'express-openapi-validator/dist/framework/ajv/options.js';
import { OpenApiSpecLoader } from 'express-openapi-validator/dist/framework/openapi.spec.loader.js';
import { OpenApiContext } from 'express-openapi-validator/dist/framework/openapi.context.js';
import { applyOpenApiMetadata } from 'express-openapi-validator/dist/middlewares/openapi.metadata.js';
import { RequestValidator } from 'express-openapi-validator/dist/middlewares/openapi.request.validator.js';
import { ResponseValidator } from 'express-openapi-validator/dist/middlewares/openapi.response.validator.js';
import { SchemaPreprocessor } from 'express-openapi-validator/dist/middlewares/parsers/schema.preprocessor.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp, warmUp } from '../../src/app/app.js';
import { createLogger } from '../../src/http/logger.js';
import { eovOptions, openApiMetadata, sharingCompiles } from '../../src/http/validator.js';
import { loadSpec } from '../../src/spec/index.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { docsCreateBody, TOKEN } from '../helpers/server.js';

// src/http/validator.ts works around three costs of express-openapi-validator 5.6 by leaning
// on its internals. These tests pin every internal it relies on, and say so when upstream has
// fixed a cost (then the workaround is dead weight: remove it).
const require = createRequire(import.meta.url);
const eovEntry = require.resolve('express-openapi-validator');
const eovRequire = createRequire(eovEntry);
const spec = loadSpec();

async function upstreamContext() {
  const loaded = await new OpenApiSpecLoader({ apiDoc: structuredClone(spec) as never, validateApiSpec: false }).load();
  const eov = new OpenApiValidator({ apiSpec: spec as never, validateResponses: { removeAdditional: false } }) as unknown as { ajvOpts: { preprocessor: never }; options: { validateResponses: never } };
  const { apiDocRes } = new SchemaPreprocessor(loaded.apiDoc, eov.ajvOpts.preprocessor, eov.options.validateResponses).preProcess();
  return { context: new OpenApiContext(loaded, undefined as never, false, false), apiDocRes };
}

type Outcome = { openapi?: unknown; params?: unknown; error?: { status: number; message: string; headers?: unknown } };
const fakeRequest = (method: string, url: string) => ({
  method,
  originalUrl: url,
  path: url.split('?')[0],
  baseUrl: '',
  params: {},
  app: { enabled: () => false },
});

afterEach(() => vi.restoreAllMocks());

describe('1. route matching (upstream PR 1217, "perf: cache route matchers")', () => {
  it('upstream still compiles path-to-regexp for each route on every request (if this fails, 1217 shipped: drop openApiMetadata)', async () => {
    const { context } = await upstreamContext();
    const ptr = eovRequire('path-to-regexp') as { pathToRegexp: (...a: unknown[]) => unknown };
    const original = ptr.pathToRegexp;
    let calls = 0;
    ptr.pathToRegexp = (...args: unknown[]) => (calls++, original(...args));
    try {
      const upstream = applyOpenApiMetadata(context as never, null as never);
      for (let i = 0; i < 3; i++) upstream(fakeRequest('GET', '/v1/oauth-apps/x') as never, {} as never, () => undefined);
    } finally {
      ptr.pathToRegexp = original;
    }
    expect(calls, 'express-openapi-validator now caches its route matchers: remove openApiMetadata from src/http/validator.ts').toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['GET', '/v1/oauth-apps'],
    ['GET', '/v1/oauth-apps/'],
    ['GET', '/v1/oauth-apps?provider=stripe&x[y]=1'],
    ['POST', '/v1/oauth-apps'],
    ['GET', '/v1/oauth-apps/8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8'],
    ['PATCH', '/v1/oauth-apps/a%20b'],
    ['DELETE', '/v1/OAUTH-APPS/abc'],
    ['GET', '/v1/oauth-apps/%E0%A4%A'], // malformed percent-encoding → 400
    ['PUT', '/v1/oauth-apps/abc'], // 405 + Allow
    ['DELETE', '/v1/oauth-apps'], // 405 + Allow
    ['GET', '/v1/oauth-apps/a/b'], // 404
    ['GET', '/v1/nothing'], // 404
    ['GET', '/healthz'], // not the API's: untouched
  ])('%s %s: openApiMetadata gives exactly what upstream applyOpenApiMetadata gives', async (method, url) => {
    const { context, apiDocRes } = await upstreamContext();
    for (const responseDoc of [null, apiDocRes]) {
      const run = (f: (req: ReturnType<typeof fakeRequest>) => void): Outcome => {
        const req = fakeRequest(method, url) as ReturnType<typeof fakeRequest> & { openapi?: unknown };
        try {
          f(req);
          return { openapi: req.openapi, params: req.params };
        } catch (e) {
          const err = e as { status: number; message: string; headers?: unknown };
          return { error: { status: err.status, message: err.message, headers: err.headers } };
        }
      };
      const upstream = applyOpenApiMetadata(context as never, responseDoc as never);
      const expected = run((req) => upstream(req as never, {} as never, () => undefined));
      const actual = run(openApiMetadata(context as never, responseDoc as never) as never);
      expect(actual).toEqual(expected);
    }
  });
});

describe('2. the OpenAPI meta-schema compiled on use, not in the constructor', () => {
  const schemaValidatorFile = eovRequire.resolve('./framework/openapi.schema.validator.js');
  const frameworkFile = eovRequire.resolve('./framework/index.js');

  it('upstream still compiles it in the constructor (if this fails, upstream made it lazy: drop the replacement)', () => {
    const source = readFileSync(schemaValidatorFile, 'utf8');
    const constructorBody = /constructor\(opts\) \{([\s\S]*?)\n {4}\}/.exec(source)?.[1] ?? '';
    expect(constructorBody, 'OpenAPISchemaValidator no longer compiles in its constructor: remove the lazy replacement from src/http/validator.ts').toMatch(/\.compile\(/);
  });

  it('the framework constructs it through the module export the replacement overrides', () => {
    expect(readFileSync(frameworkFile, 'utf8')).toContain('new openapi_schema_validator_1.OpenAPISchemaValidator(');
    expect((eovRequire('./framework/openapi.schema.validator.js') as { OpenAPISchemaValidator: { lazy?: boolean } }).OpenAPISchemaValidator.lazy).toBe(true);
  });

  it('still validates a spec when asked to (validateApiSpec: true refuses an invalid one)', async () => {
    const valid = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} };
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await expect(new OpenApiSpecLoader({ apiDoc: { ...valid, info: 'not an object' } as never, validateApiSpec: true }).load()).rejects.toThrow(/invalid/);
    await expect(new OpenApiSpecLoader({ apiDoc: valid as never, validateApiSpec: true }).load()).resolves.toBeDefined();
  });
});

describe('options written out as upstream normalizes them', () => {
  it.each([false, true])('Ajv options equal those OpenApiValidator derives (response validation %s)', (validateResponses) => {
    const ours = eovOptions({ validateResponses });
    const { serDes: _s, ajvFormats: _a, $refParser: _r, validateFormats: _v, formats: _f, useRequestUrl: _u, operationHandlers: _o, ...given } = ours;
    const upstream = new OpenApiValidator({ apiSpec: spec as never, ...given } as never) as unknown as { options: Record<string, unknown>; ajvOpts: AjvOptions };
    const mine = new AjvOptions(ours as never);
    const kinds = ['preprocessor', 'request', 'multipart', ...(validateResponses ? (['response'] as const) : [])] as const;
    for (const kind of kinds) {
      expect(mine[kind], kind).toEqual(upstream.ajvOpts[kind]);
    }
    const { apiSpec: _spec, ...normalized } = upstream.options;
    expect(ours).toEqual(normalized);
  });
});

describe('3. validators compiled once per spec and process, ahead of first use', () => {
  const silent = () => createLogger({ level: 'silent', destination: { write: () => undefined } });
  const appWith = (validateResponses: boolean) => createApp({ store: new SqliteStore(':memory:'), token: TOKEN, validateResponses, logger: silent() });

  async function listen(app: Express) {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
  }

  it.each([false, true])('after warmUp, no operation compiles anything on its first call (response validation %s)', async (validateResponses) => {
    const app = appWith(validateResponses);
    await warmUp(app);
    const requestBuilds = vi.spyOn(RequestValidator.prototype as never as { buildMiddleware: () => unknown }, 'buildMiddleware');
    const responseBuilds = vi.spyOn(ResponseValidator.prototype as never as { buildValidators: () => unknown }, 'buildValidators');
    const { url, close } = await listen(app);
    try {
      const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
      const created = await fetch(`${url}/v1/oauth-apps`, { method: 'POST', headers, body: JSON.stringify(docsCreateBody) });
      expect(created.status).toBe(200);
      const { id } = (await created.json()) as { id: string };
      const auth = { authorization: `Bearer ${TOKEN}` };
      expect((await fetch(`${url}/v1/oauth-apps`, { headers: auth })).status).toBe(200);
      expect((await fetch(`${url}/v1/oauth-apps/${id}`, { headers: auth })).status).toBe(200);
      expect((await fetch(`${url}/v1/oauth-apps/${id}`, { method: 'PATCH', headers, body: '{"name":"x"}' })).status).toBe(200);
      expect((await fetch(`${url}/v1/oauth-apps/${id}`, { method: 'DELETE', headers: auth })).status).toBe(200);
    } finally {
      await close();
    }
    expect(requestBuilds).not.toHaveBeenCalled();
    expect(responseBuilds).not.toHaveBeenCalled();
  });

  it('a second app of the same spec reuses the first one’s validators (spec loaded and compiled once)', async () => {
    const first = appWith(false);
    await warmUp(first);
    const loads = vi.spyOn(OpenApiSpecLoader.prototype, 'load');
    const requestBuilds = vi.spyOn(RequestValidator.prototype as never as { buildMiddleware: () => unknown }, 'buildMiddleware');
    const second = appWith(false);
    const { url, close } = await listen(second);
    try {
      expect((await fetch(`${url}/v1/oauth-apps`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await close();
    }
    expect(loads).not.toHaveBeenCalled();
    expect(requestBuilds).not.toHaveBeenCalled();
  });
});

describe('4. each distinct root schema compiled once', () => {
  type Validate = ((data: unknown) => boolean) & { errors?: unknown };
  /** Every (route, status) response validator of a ResponseValidator, by `METHOD route status`. */
  async function responseValidators(share: boolean) {
    const { context, apiDocRes } = await upstreamContext();
    const eov = new OpenApiValidator({ apiSpec: spec as never, validateResponses: { removeAdditional: false } }) as unknown as { ajvOpts: { response: never } };
    const validator = new ResponseValidator(apiDocRes as never, eov.ajvOpts.response, { removeAdditional: false } as never, context.serial) as unknown as {
      ajvBody: { addSchema(schema: unknown, key?: string): unknown; getSchema(key: string): unknown };
      _getOrBuildValidator(req: unknown, responses: unknown): Record<string, Record<string, Validate>>;
    };
    // Roots that reach Ajv itself (counted beneath the sharing layer, when there is one).
    const added: { components?: unknown; paths?: unknown }[] = [];
    const addSchema = validator.ajvBody.addSchema.bind(validator.ajvBody);
    validator.ajvBody.addSchema = (schema: unknown, key?: string) => (added.push(schema as never), addSchema(schema, key));
    if (share) validator.ajvBody = sharingCompiles(validator.ajvBody);
    const out = new Map<string, Validate>();
    for (const route of context.routes) {
      const pathKey = route.openApiRoute.substring(route.basePath.length);
      const operation = (apiDocRes as unknown as { paths: Record<string, Record<string, { responses: unknown }>> }).paths[pathKey]![route.method.toLowerCase()]!;
      const byStatus = validator._getOrBuildValidator({ method: route.method, headers: {}, openapi: { expressRoute: route.expressRoute } }, operation.responses);
      for (const [status, byType] of Object.entries(byStatus)) {
        const fn = byType['application/json'];
        if (fn) out.set(`${route.method} ${route.openApiRoute} ${status}`, fn);
      }
    }
    return { out, added, components: (apiDocRes as { components: unknown }).components };
  }

  it('upstream still compiles one root per route and status, each embedding the document (if this fails, revisit sharingCompiles)', async () => {
    const { out, added, components } = await responseValidators(false);
    expect(added.length).toBe(out.size);
    expect(added.every((root) => root.components === components)).toBe(true);
    const distinct = new Set(added.map(({ components: _c, paths: _p, ...root }) => JSON.stringify(root)));
    expect(distinct.size, 'every root is distinct now: sharing saves nothing').toBeLessThan(added.length / 2);
  });

  it('compiles each distinct root once, and every validator gives upstream’s verdict and errors', async () => {
    const upstream = await responseValidators(false);
    const shared = await responseValidators(true);
    expect(shared.added.length).toBeLessThan(upstream.added.length / 2);
    expect([...shared.out.keys()]).toEqual([...upstream.out.keys()]);
    const app = { id: '3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b', provider: 'stripe', name: 'n', client_id: 'c', client_secret: '**********', metadata: {}, health: { status: 'ok', notes: [], time: '2024-02-20T02:10:52Z' }, created_at: '2024-02-20T02:10:52Z', updated_at: '2024-02-20T02:10:52Z' };
    const bodies = [app, { data: [app] }, { data: [{ ...app, provider: 'nope' }] }, { id: app.id, deleted: true }, { summary: 'x', validation_errors: { name: ['bad'] } }, { summary: 'x' }, {}, { ...app, extra: 1 }, 'text', null];
    let valid = 0;
    for (const [key, fn] of upstream.out) {
      const ours = shared.out.get(key)!;
      for (const body of bodies) {
        const verdict = fn({ response: body });
        expect(ours({ response: body }), `${key}: ${JSON.stringify(body)}`).toBe(verdict);
        expect(ours.errors ?? null).toEqual(fn.errors ?? null);
        if (verdict) valid++;
      }
    }
    expect(valid, 'some bodies pass, so both verdicts are exercised').toBeGreaterThan(upstream.out.size / 2);
  });
});

describe('5. a required body left out (missingBody)', () => {
  it('upstream still decides from the body schema\'s `required`, not requestBody.required (if this fails, eov fixed it: drop missingBody)', () => {
    const source = readFileSync(eovRequire.resolve('./middlewares/openapi.request.validator.js'), 'utf8');
    expect(source, 'eov changed how it decides that a body is required: check whether src/http/validator.ts still needs missingBody').toContain(
      'const requireBody = body.required && !isBodyBinary;',
    );
  });
});
