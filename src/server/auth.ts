import { hash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ApiError } from './errors.js';

// One-shot hash (Node ≥ 20.12): no Hash object per request.
const digest = (s: string) => hash('sha256', s, 'buffer');

/**
 * Bearer auth. Tokens are compared as SHA-256 digests with timingSafeEqual: equal lengths
 * always, so neither the content nor the length of the real token leaks through timing.
 */
export function bearerAuth(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (match && timingSafeEqual(digest(match[1]!), expected)) return next();
    next(
      new ApiError(401, "Unauthorized: send a valid API token as 'Authorization: Bearer <token>'.", undefined, {
        'WWW-Authenticate': 'Bearer',
      }),
    );
  };
}
