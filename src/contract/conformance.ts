import type { ErrorObject } from 'ajv';
import { escapePointer as esc, loadSpec, resolvePointer, specValidator, type OpenApiDocument } from '../spec/index.js';

/** One observed exchange: what was asked, what came back. */
export interface Exchange {
  method: string;
  /** The spec's path template, e.g. `/v1/oauth-apps/{id}`. */
  path: string;
  status: number;
  contentType: string | null;
  body: unknown;
}

/**
 * Checks responses against the spec itself: the status is one the operation documents, the
 * content type is the documented one, and the body validates against that response's schema
 * (JSON Schema 2020-12 over the bundled spec; nothing re-declared by hand). Returns the
 * violations, each naming the field at fault; empty means conformant.
 */
export function createConformanceChecker(spec: OpenApiDocument = loadSpec()) {
  const validator = specValidator(spec);
  const at = (pointer: string) => resolvePointer(spec, pointer);

  /** The violations of one exchange, each with the spec location it breaks. */
  function violations(x: Exchange): Violation[] {
    const opPointer = `#/paths/${esc(x.path)}/${x.method.toLowerCase()}`;
    const op = at(opPointer);
    if (!op) return [{ message: `${x.method} ${x.path} is not an operation of the spec`, schemaPath: '#/paths' }];
    const documented = Object.keys(op.responses ?? {});
    if (!documented.includes(String(x.status))) {
      return [{ message: `status ${x.status} is not documented for ${op.operationId} (documented: ${documented.join(', ')})`, schemaPath: `${opPointer}/responses` }];
    }
    let responsePointer = `${opPointer}/responses/${x.status}`;
    responsePointer = at(responsePointer).$ref ?? responsePointer;
    const content = at(`${responsePointer}/content`) ?? {};
    const types = Object.keys(content);
    if (types.length === 0) return [];
    const type = types.find((t) => x.contentType?.split(';')[0]?.trim().toLowerCase() === t);
    if (!type) return [{ message: `Content-Type ${x.contentType ?? '(none)'} is not the documented ${types.join(' or ')}`, schemaPath: `${responsePointer}/content` }];
    const schemaPointer = `${responsePointer}/content/${esc(type)}/schema`;
    const validate = validator(schemaPointer);
    if (validate(x.body)) return [];
    return (validate.errors ?? []).map((e) => ({ message: describe(e), schemaPath: `${schemaAt(schemaPointer, e.instancePath)}/${e.keyword}` }));
  }
  return Object.assign((x: Exchange): string[] => violations(x).map((v) => v.message), { violations });

  /**
   * The pointer of the schema that governs a value inside the body, found by walking the spec
   * from the response schema along the value's path ($refs followed), so a failure names
   * `#/components/schemas/OauthApp` rather than Ajv's inlined location.
   */
  function schemaAt(pointer: string, instancePath: string): string {
    const follow = (p: string) => (at(p)?.$ref as string | undefined) ?? p;
    let current = follow(pointer);
    for (const segment of instancePath.split('/').slice(1)) {
      const schema = at(current) ?? {};
      const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
      if (schema.properties?.[key]) current = `${current}/properties/${esc(key)}`;
      else if (schema.items && /^\d+$/.test(key)) current = `${current}/items`;
      else if (typeof schema.additionalProperties === 'object') current = `${current}/additionalProperties`;
      else break;
      current = follow(current);
    }
    return current;
  }
}

/** One way a response breaks the spec, and where in the spec (a JSON Pointer into the bundle). */
export interface Violation {
  message: string;
  schemaPath: string;
}

/** "body.client_secret is required", "body.data[0].provider must be one of …". */
function describe(e: ErrorObject): string {
  const where = `body${e.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.')}`;
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'required') return `${where}.${String(p.missingProperty)} is required but missing`;
  if (e.keyword === 'additionalProperties') return `${where}.${String(p.additionalProperty)} is not in the schema`;
  if (e.keyword === 'enum') return `${where} must be one of ${(p.allowedValues as unknown[]).join(', ')}`;
  return `${where} ${e.message ?? 'is invalid'}`;
}
