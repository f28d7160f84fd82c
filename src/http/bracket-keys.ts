import type { Request } from 'express';
import { ApiError } from './errors.js';

/**
 * express-openapi-validator rewrites `a[b]=…` query keys into nested objects and silently
 * drops keys such as `[`, so its unknown-parameter check never sees them (found by the
 * fuzzer). No parameter of the contract uses brackets, so any such key is unknown: the
 * validator (validator.ts) refuses it with this error before its own checks.
 */
export function bracketKeyError(req: Request): ApiError | undefined {
  let keys: string[] | undefined;
  for (const k in req.query) if (k.includes('[') || k.includes(']')) (keys ??= []).push(k);
  return keys && ApiError.validation(Object.fromEntries(keys.map((k) => [k, ['is not a known query parameter']])));
}
