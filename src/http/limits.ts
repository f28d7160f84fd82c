import { ApiError } from './errors.js';

// The input rules JSON Schema cannot state; the spec's descriptions state them for readers.

/** `metadata` serialises to at most 16 KiB. */
export const METADATA_MAX_BYTES = 16 * 1024;
/** JSON nests at most this deep: deeper values would overflow recursive serialisers. */
export const MAX_DEPTH = 32;

/** What a value breaks, found in one walk without recursion (the value may be 500 000 deep). */
interface Breaks {
  tooDeep: boolean;
  nul: boolean;
  loneSurrogate: boolean;
  nonFinite: boolean;
}

// Text JSON can carry but no store keeps: U+0000 (PostgreSQL refuses it) and a UTF-16
// surrogate without its pair (SQLite and PostgreSQL store it as U+FFFD, so the text read back
// differs from the text written, and two different client_ids collide into one).
const NUL = /\u0000/;
// With the u flag a well-formed pair is one code point, so this matches only a lone half.
const LONE_SURROGATE = /[\ud800-\udfff]/u;

function breaksOf(value: unknown): Breaks {
  const found: Breaks = { tooDeep: false, nul: false, loneSurrogate: false, nonFinite: false };
  const text = (s: string) => {
    if (NUL.test(s)) found.nul = true;
    if (LONE_SURROGATE.test(s)) found.loneSurrogate = true;
  };
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v === 'string') text(v);
    // JSON.parse turns 1e400 into Infinity, which JSON.stringify writes as null.
    else if (typeof v === 'number' && !Number.isFinite(v)) found.nonFinite = true;
    if (typeof v !== 'object' || v === null) continue;
    if (d + 1 > MAX_DEPTH) return { ...found, tooDeep: true };
    for (const [k, child] of Object.entries(v)) {
      if (!Array.isArray(v)) text(k);
      stack.push([child, d + 1]);
    }
  }
  return found;
}

/**
 * The reasons each field of a body (or query, or seed app) breaks the limits: nesting deeper
 * than 32 levels, metadata over 16 KiB, text (values or keys) holding U+0000 or a lone UTF-16
 * surrogate, or a number JSON cannot write back (1e400). Empty when all is well.
 */
export function limitViolations(fields: Record<string, unknown>): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const breaks = breaksOf(value);
    if (breaks.tooDeep) {
      ApiError.addReason(errors, field, `must nest at most ${MAX_DEPTH} levels deep`);
      continue;
    }
    if (breaks.nul) ApiError.addReason(errors, field, 'must not contain the NUL character (U+0000)');
    if (breaks.loneSurrogate) ApiError.addReason(errors, field, 'must be valid Unicode text: it holds a lone UTF-16 surrogate (U+D800 to U+DFFF without its pair)');
    if (breaks.nonFinite) ApiError.addReason(errors, field, 'must hold only numbers JSON can write back (1e400 is beyond a 64-bit float)');
    if (field === 'metadata' && Buffer.byteLength(JSON.stringify(value)) > METADATA_MAX_BYTES) {
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
