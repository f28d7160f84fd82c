import { hash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { DEFAULT_NAMESPACE } from '../store/types.js';
import { ApiError } from './errors.js';

/**
 * SHA-256 of a bearer token: what is compared, stored and looked up, never the token itself.
 * One-shot hash (Node ≥ 20.12): no Hash object per request.
 */
export const tokenDigest = (token: string) => hash('sha256', token, 'buffer');

/** The namespace a request's token opened (set by bearerAuth); the server's token is the default one. */
export const requestNamespace = (res: Response): string => (res.locals.namespace as string | undefined) ?? DEFAULT_NAMESPACE;

const unauthorized = () =>
  new ApiError(401, "Unauthorized: send a valid API token as 'Authorization: Bearer <token>'.", undefined, { 'WWW-Authenticate': 'Bearer' });

/**
 * Bearer auth. Tokens are compared as SHA-256 digests with timingSafeEqual: equal lengths
 * always, so neither the content nor the length of the real token leaks through timing.
 * The server's token is checked first, with no I/O: the default namespace's requests pay
 * nothing for namespaces. Any other token is looked up by its digest (`namespaceOf`, when
 * the sandbox is on).
 */
export function bearerAuth(token: string, namespaceOf?: (digest: Buffer) => Promise<string | undefined>): RequestHandler {
  const expected = tokenDigest(token);
  return (req, res, next) => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match) return next(unauthorized());
    const given = tokenDigest(match[1]!);
    if (timingSafeEqual(given, expected)) return next();
    if (!namespaceOf) return next(unauthorized());
    namespaceOf(given).then((namespace) => {
      if (namespace === undefined) return next(unauthorized());
      res.locals.namespace = namespace;
      next();
    }, next);
  };
}
