import { deserialize, serialize } from 'node:v8';
import type { OpenApiDocument } from './index.js';

/**
 * The validator's private copy of the spec, lenient where the published one cannot say so.
 * A JSON query parameter (`content`, like `metadata`) may not carry `allowReserved` in
 * OpenAPI 3.1, so the spec asks clients to percent-encode it; but people type
 * `metadata={"region":"eu"}` into curl and browsers, and express-openapi-validator refuses
 * reserved characters in a query value unless `allowReserved` is set. Setting it here, on
 * the copy only, lets the server accept both forms while the published spec stays valid.
 */
export function acceptingUnencodedJsonQuery(spec: OpenApiDocument): OpenApiDocument {
  // structuredClone's algorithm, from node:v8: the global is missing in some test environments
  // (Jest's happy-dom), and the in-process API runs there.
  const copy = deserialize(serialize(spec)) as OpenApiDocument;
  const params: unknown[] = Object.values(copy.components.parameters ?? {});
  for (const item of Object.values(copy.paths)) {
    for (const op of [item, ...Object.values(item)]) params.push(...((op as { parameters?: unknown[] })?.parameters ?? []));
  }
  for (const p of params as { in?: string; content?: unknown; allowReserved?: boolean }[]) {
    if (p?.in === 'query' && p.content) p.allowReserved = true;
  }
  return copy;
}
