/** What a `Prefer` header asks of the sandbox (Prism's convention). */
export interface Preference {
  code?: number;
  example?: string;
  delayMs?: number;
}

export const MAX_DELAY_MS = 60_000;

/**
 * Parses `Prefer: code=404, example=ErrorNotFound, delay=800` (commas or semicolons).
 * Returns the reasons it cannot be honoured instead, keyed for a 422.
 */
export function parsePrefer(header: string | undefined): Preference | { errors: string[] } {
  const pref: Preference = {};
  const errors: string[] = [];
  for (const part of (header ?? '').split(/[,;]/)) {
    const [rawKey, ...rest] = part.split('=');
    const key = rawKey?.trim().toLowerCase();
    const value = rest.join('=').trim().replace(/^"(.*)"$/, '$1');
    if (!key) continue;
    if (key === 'code') {
      if (/^\d{3}$/.test(value)) pref.code = Number(value);
      else errors.push(`code must be a 3-digit HTTP status (got '${value}')`);
    } else if (key === 'delay') {
      const ms = Number(value);
      if (/^\d+$/.test(value) && ms <= MAX_DELAY_MS) pref.delayMs = ms;
      else errors.push(`delay must be whole milliseconds from 0 to ${MAX_DELAY_MS} (got '${value}')`);
    } else if (key === 'example') {
      pref.example = value;
    }
    // Other preferences (return=minimal, respond-async, …) are not ours to honour: ignored, as RFC 7240 says.
  }
  return errors.length ? { errors } : pref;
}
