import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { bundledSpecJson } from '../paths.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** The bundled OpenAPI document (the client package's generated/openapi.json), as the server and tests see it. */
export type OpenApiDocument = {
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
};

export function loadSpec(file = bundledSpecJson): OpenApiDocument {
  return JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
}

/**
 * JSON Schema 2020-12 validation with the spec's own schemas: the spec is registered whole,
 * so `validator('#/components/schemas/OauthApp')` checks a value exactly as the spec says,
 * with no schema re-declared by hand.
 */
export function specValidator(spec: OpenApiDocument = loadSpec()) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(spec, 'openapi.json');
  const cache = new Map<string, ValidateFunction>();
  return (pointer: string): ValidateFunction => {
    let fn = cache.get(pointer);
    if (!fn) {
      fn = ajv.compile({ $ref: `openapi.json${pointer}` });
      cache.set(pointer, fn);
    }
    return fn;
  };
}

/** Escapes one key for a JSON Pointer (`/v1/oauth-apps` → `~1v1~1oauth-apps`). */
export const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** The node a local JSON Pointer (`#/components/schemas/OauthApp`) names, or undefined. */
export function resolvePointer(spec: OpenApiDocument, pointer: string): any {
  return pointer
    .slice(2)
    .split('/')
    .reduce<any>((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
}

/** Follows `$ref`s from a node until it reaches one that is not a reference. */
export function deref(spec: OpenApiDocument, node: any): any {
  while (node?.$ref) node = resolvePointer(spec, node.$ref);
  return node;
}
