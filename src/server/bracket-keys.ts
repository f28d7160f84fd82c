import type { RequestHandler } from 'express';
import { ApiError } from './errors.js';

/**
 * express-openapi-validator rewrites `a[b]=…` query keys into nested objects and silently
 * drops keys such as `[`, so its unknown-parameter check never sees them (found by the
 * fuzzer). No parameter of the contract uses brackets, so any such key is unknown: refuse it.
 */
export const rejectBracketQueryKeys: RequestHandler = (req, _res, next) => {
  const keys = Object.keys(req.query).filter((k) => /[[\]]/.test(k));
  if (keys.length === 0) return next();
  next(ApiError.validation(Object.fromEntries(keys.map((k) => [k, ['is not a known query parameter']]))));
};
