import type { OpenApiDocument } from './index.js';

export interface MatchedOperation {
  operationId: string;
  /** The spec's path template, e.g. `/v1/oauth-apps/{id}`. */
  template: string;
  /** Documented response statuses. */
  statuses: string[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Finds the spec operation a method + path is, before the validator runs (the sandbox must
 * answer forced responses even for requests the validator would refuse).
 */
export function operationMatcher(spec: OpenApiDocument) {
  const routes = Object.entries(spec.paths).flatMap(([template, item]) => {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`);
    return METHODS.filter((m) => m in item).map((method) => {
      const op = item[method] as { operationId: string; responses: Record<string, unknown> };
      return { method: method.toUpperCase(), pattern, operationId: op.operationId, template, statuses: Object.keys(op.responses) };
    });
  });
  return (method: string, path: string): MatchedOperation | undefined => {
    const r = routes.find((x) => x.method === method && x.pattern.test(path));
    return r && { operationId: r.operationId, template: r.template, statuses: r.statuses };
  };
}

/** operationId → its documented response statuses. */
export function documentedStatuses(spec: OpenApiDocument): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const item of Object.values(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method] as { operationId: string; responses: Record<string, unknown> } | undefined;
      if (op) map.set(op.operationId, Object.keys(op.responses));
    }
  }
  return map;
}
