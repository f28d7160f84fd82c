/**
 * Where in a spec a problem of an exchange is: JSON Pointers, most specific first
 * (`#/components/schemas/Provider/enum` before the property and the operation that reach it),
 * so a break can be matched to the change that caused it (see gate.ts).
 */
import { deref, escapePointer, type OpenApiDocument } from '../spec/index.js';
import type { Operation } from '../spec/operations.js';
import type { Exchange } from './format.js';

/** An eov request validation error, as its error handler sees it. */
export interface ValidationItem {
  path: string;
  message: string;
  errorCode?: string;
}

/**
 * Where a gone operation was: under the candidate's path template that still matches the path
 * (its method removed), else the path as sent (the whole path is gone; the template it had is
 * in the base spec, not here).
 */
export function gonePointer(spec: OpenApiDocument, e: Exchange): string {
  const template = Object.keys(spec.paths).find((t) => templatePattern(t).test(e.path)) ?? e.path;
  return `#/paths/${escapePointer(template)}/${e.method.toLowerCase()}`;
}

/** A path template as a pattern for paths as sent (`/v1/oauth-apps/{id}` matches `/v1/oauth-apps/8ff5…`). */
export const templatePattern = (template: string) =>
  new RegExp(`^${template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+')}/?$`);

/** Spec locations of one eov request error (`/body/provider`, `/query/provider`). */
export function requestLocations(spec: OpenApiDocument, op: Operation, opPointer: string, item: ValidationItem): string[] {
  const [, where, ...rest] = item.path.split('/');
  if (where === 'body') {
    const media = `${opPointer}/requestBody/content/application~1json/schema`;
    const keyword = /required property/.test(item.message) ? 'required' : (item.errorCode?.split('.')[0] ?? '');
    // eov names a missing property's path after it; the schema location is the object's `required`.
    const instance = keyword === 'required' ? rest.slice(0, -1) : rest;
    const property = /must NOT have additional properties/.test(item.message) ? /'([^']+)'/.exec(item.message)?.[1] : undefined;
    return schemaLocations(spec, media, `/${[...instance, ...(property ? [property] : [])].join('/')}`.replace(/\/$/, ''), property ? 'additionalProperties' : keyword);
  }
  if (where === 'query' || where === 'path') {
    const name = rest.join('.') || /'([^']+)'/.exec(item.message)?.[1] || '';
    const params = ((spec.paths[op.template]![op.method.toLowerCase()] as any).parameters ?? []) as { $ref?: string }[];
    const i = params.findIndex((p) => deref(spec, p)?.name === name && deref(spec, p)?.in === where);
    if (i < 0) return [`${opPointer}/parameters`];
    const param = deref(spec, params[i]);
    const schema = param.schema ? (param.schema.$ref ? [param.schema.$ref] : []) : [];
    const keyword = item.errorCode?.split('.')[0];
    return [...schema.map((s: string) => (keyword === 'enum' ? `${s}/enum` : s)), ...(params[i]!.$ref ? [params[i]!.$ref!] : []), `${opPointer}/parameters/${i}`];
  }
  return [`${opPointer}/requestBody`];
}

/**
 * The schema locations an instance path reaches from a root schema: each schema on the way
 * (a `$ref` and its target both count), deepest first, with the failing keyword appended to
 * the deepest (`#/components/schemas/Provider/enum`). A property the schema does not declare
 * is named under its object (`…/OauthApp/properties/color`).
 */
export function schemaLocations(spec: OpenApiDocument, root: string, instancePath: string, keyword: string): string[] {
  const segments = instancePath.split('/').slice(1);
  const chain: string[] = [];
  let pointer = root;
  let node: any = resolve(spec, pointer);
  const follow = () => {
    while (node?.$ref) {
      chain.push(pointer);
      pointer = node.$ref;
      node = resolve(spec, pointer);
    }
  };
  follow();
  for (const [i, seg] of segments.entries()) {
    const last = i === segments.length - 1;
    if (node?.type === 'array' || node?.items) pointer = `${pointer}/items`;
    else if (node?.properties?.[seg] !== undefined || (last && keyword === 'additionalProperties')) pointer = `${pointer}/properties/${escapePointer(seg)}`;
    else break; // free-form (additionalProperties: true): nothing deeper is declared
    chain.push(pointer);
    node = resolve(spec, pointer);
    follow();
  }
  chain.push(pointer);
  const deepest = ['enum', 'required', 'type', 'format', 'const', 'minLength', 'maxLength', 'minimum', 'maximum', 'pattern', 'minItems', 'maxItems'].includes(keyword) ? [`${pointer}/${keyword}`] : [];
  return [...new Set([...deepest, ...chain.reverse()])];
}

export const resolve = (spec: OpenApiDocument, pointer: string): any =>
  pointer
    .slice(2)
    .split('/')
    .reduce<any>((n, k) => n?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);

