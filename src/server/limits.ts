import { ApiError } from './errors.js';

// The input rules JSON Schema cannot state; the spec's descriptions state them for readers.

/** `metadata` serialises to at most 16 KiB. */
export const METADATA_MAX_BYTES = 16 * 1024;
/** JSON nests at most this deep: deeper values would overflow recursive serialisers. */
export const MAX_DEPTH = 32;

/** Nesting depth of a JSON value, counted without recursion (the value may be 500 000 deep). */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d + 1 > max) max = d + 1;
    if (max > MAX_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/**
 * The reasons each field of a body (or query, or seed app) breaks the limits: nesting deeper
 * than 32 levels, metadata over 16 KiB, or text holding U+0000, which PostgreSQL cannot
 * store and no client means to send. Empty when all is well.
 */
export function limitViolations(fields: Record<string, unknown>): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (depthOf(value) > MAX_DEPTH) {
      ApiError.addReason(errors, field, `must nest at most ${MAX_DEPTH} levels deep`);
      continue;
    }
    const json = JSON.stringify(value);
    if (json.includes('\\u0000')) ApiError.addReason(errors, field, 'must not contain the NUL character (U+0000)');
    if (field === 'metadata' && Buffer.byteLength(json) > METADATA_MAX_BYTES) {
      ApiError.addReason(errors, field, `must serialise to at most ${METADATA_MAX_BYTES} bytes of JSON`);
    }
  }
  return errors;
}

/** The same, as one 422 naming each refused field. */
export function checkLimits(fields: Record<string, unknown>) {
  const errors = limitViolations(fields);
  if (Object.keys(errors).length) throw ApiError.validation(errors);
}
