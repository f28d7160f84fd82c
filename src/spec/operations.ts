import type { OpenApiDocument } from './index.js';

export interface Operation {
  operationId: string;
  method: string; // upper case
  /** The spec's path template, e.g. `/v1/oauth-apps/{id}`. */
  template: string;
  /** Documented response statuses. */
  statuses: string[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation of a spec, by operationId. */
export function operationsById(spec: OpenApiDocument): Map<string, Operation> {
  const ops = new Map<string, Operation>();
  for (const [template, item] of Object.entries(spec.paths)) {
    for (const method of METHODS.filter((m) => m in item)) {
      const op = item[method] as { operationId: string; responses: Record<string, unknown> };
      ops.set(op.operationId, { operationId: op.operationId, method: method.toUpperCase(), template, statuses: Object.keys(op.responses) });
    }
  }
  return ops;
}

/**
 * Finds the spec operation a method + path is, before the validator runs (the sandbox must
 * answer forced responses even for requests the validator would refuse).
 */
export function operationMatcher(spec: OpenApiDocument) {
  const routes = [...operationsById(spec).values()].map((op) => ({
    op,
    pattern: new RegExp(`^${op.template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));
  return (method: string, path: string): Operation | undefined => routes.find((r) => r.op.method === method && r.pattern.test(path))?.op;
}
