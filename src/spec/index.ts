import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { bundledSpecJson } from '../paths.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** The bundled OpenAPI document (generated/openapi.json), as the server and tests see it. */
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
