import { deref as follow, type OpenApiDocument } from '../spec/index.js';

export interface CannedResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * The response the spec documents for an operation and status, built from its named
 * examples (the first one, or `exampleName`) and its headers' examples. Undefined when the
 * spec has no example body for it.
 */
export function exampleResponses(spec: OpenApiDocument) {
  const deref = (node: unknown) => follow(spec, node);
  return (template: string, method: string, status: number, exampleName?: string): CannedResponse | undefined => {
    const response = deref((spec.paths[template]?.[method.toLowerCase()] as any)?.responses?.[String(status)]);
    const examples: Record<string, unknown> = response?.content?.['application/json']?.examples ?? {};
    const name = exampleName ?? Object.keys(examples)[0];
    const example = name === undefined ? undefined : deref(examples[name]);
    if (!example) return undefined;
    const headers: Record<string, string> = {};
    for (const [header, def] of Object.entries<any>(response.headers ?? {})) {
      const value = deref(def)?.example ?? deref(deref(def)?.schema)?.example;
      if (value !== undefined) headers[header] = String(value);
    }
    return { status, headers, body: example.value };
  };
}
