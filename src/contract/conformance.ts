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

  return function check(x: Exchange): string[] {
    const opPointer = `#/paths/${esc(x.path)}/${x.method.toLowerCase()}`;
    const op = at(opPointer);
    if (!op) return [`${x.method} ${x.path} is not an operation of the spec`];
    const documented = Object.keys(op.responses ?? {});
    if (!documented.includes(String(x.status))) {
      return [`status ${x.status} is not documented for ${op.operationId} (documented: ${documented.join(', ')})`];
    }
    let responsePointer = `${opPointer}/responses/${x.status}`;
    responsePointer = at(responsePointer).$ref ?? responsePointer;
    const content = at(`${responsePointer}/content`) ?? {};
    const types = Object.keys(content);
    if (types.length === 0) return [];
    const type = types.find((t) => x.contentType?.split(';')[0]?.trim().toLowerCase() === t);
    if (!type) return [`Content-Type ${x.contentType ?? '(none)'} is not the documented ${types.join(' or ')}`];
    const validate = validator(`${responsePointer}/content/${esc(type)}/schema`);
    if (validate(x.body)) return [];
    return (validate.errors ?? []).map(describe);
  };
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
