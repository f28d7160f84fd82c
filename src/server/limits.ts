import { ApiError } from './errors.js';

// The input rules JSON Schema cannot state; the spec's descriptions state them for readers.

/** `metadata` serialises to at most 16 KiB. */
export const METADATA_MAX_BYTES = 16 * 1024;

/**
 * Checks the fields of a body (or query) and throws one 422 naming each refused field:
 * metadata over its size, or text holding U+0000, which PostgreSQL cannot store and no
 * client means to send.
 */
export function checkLimits(fields: Record<string, unknown>) {
  const errors: Record<string, string[]> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const json = JSON.stringify(value);
    if (json.includes('\\u0000')) ApiError.addReason(errors, field, 'must not contain the NUL character (U+0000)');
    if (field === 'metadata' && Buffer.byteLength(json) > METADATA_MAX_BYTES) {
      ApiError.addReason(errors, field, `must serialise to at most ${METADATA_MAX_BYTES} bytes of JSON`);
    }
  }
  if (Object.keys(errors).length) throw ApiError.validation(errors);
}
