import { deref as follow, type OpenApiDocument } from '../spec/index.js';

export interface CannedResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * The responses the spec documents for an operation, built from their named examples and
 * their headers' examples.
 */
export function exampleResponses(spec: OpenApiDocument) {
  const deref = (node: unknown) => follow(spec, node);
  const responsesOf = (template: string, method: string): Record<string, any> =>
    (spec.paths[template]?.[method.toLowerCase()] as any)?.responses ?? {};
  const examplesOf = (response: any): Record<string, unknown> => deref(response)?.content?.['application/json']?.examples ?? {};

  /** The response for `status`, with its example `exampleName` (or its first). Undefined when the spec has no such example. */
  const byStatus = (template: string, method: string, status: number, exampleName?: string): CannedResponse | undefined => {
    const response = deref(responsesOf(template, method)[String(status)]);
    const examples = examplesOf(response);
    const name = exampleName ?? Object.keys(examples)[0];
    const example = name === undefined || !Object.hasOwn(examples, name) ? undefined : deref(examples[name]);
    if (!example) return undefined;
    const headers: Record<string, string> = {};
    for (const [header, def] of Object.entries<any>(response.headers ?? {})) {
      const value = deref(def)?.example ?? deref(deref(def)?.schema)?.example;
      if (value !== undefined) headers[header] = String(value);
    }
    return { status, headers, body: example.value };
  };

  /** Documented statuses, success first (as Prism looks for an example: the success response, then the rest). */
  const statuses = (template: string, method: string) =>
    Object.keys(responsesOf(template, method))
      .filter((s) => /^\d{3}$/.test(s))
      .sort((a, b) => Number(a[0] !== '2') - Number(b[0] !== '2') || Number(a) - Number(b));

  return {
    byStatus,
    /** The response that holds the example `exampleName`, success responses first. */
    byName(template: string, method: string, exampleName: string): CannedResponse | undefined {
      for (const status of statuses(template, method)) {
        const found = byStatus(template, method, Number(status), exampleName);
        if (found) return found;
      }
      return undefined;
    },
    /** Every example name of the operation, for an error that lists them. */
    names(template: string, method: string): string[] {
      return statuses(template, method).flatMap((s) => Object.keys(examplesOf(responsesOf(template, method)[s])));
    },
  };
}
