import { hash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { DEFAULT_NAMESPACE } from '../store/types.js';
import { ApiError } from './errors.js';

/**
 * SHA-256 of a bearer token: what is compared, stored and looked up, never the token itself.
 * One-shot hash (Node ≥ 20.12): no Hash object per request.
 */
export const tokenDigest = (token: string) => hash('sha256', token, 'buffer');

/** The namespace a request's token opened (set by bearerAuth); the server's token is the default one. */
export const requestNamespace = (res: Response): string => {
  // A request let in without a token has no namespace: it must never fall back to the default one.
  if (isAnonymous(res)) throw new Error('a request without a token reached a handler that acts on a namespace');
  return (res.locals.namespace as string | undefined) ?? DEFAULT_NAMESPACE;
};

/** True for a request `allowAnonymous` let in without a token. */
export const isAnonymous = (res: Response): boolean => res.locals.anonymous === true;

/**
 * Lets a request with no Authorization header through when `allowed(req)` (marked, see
 * isAnonymous); every other request, including one with a wrong token, goes to `auth`.
 */
export function allowAnonymous(auth: RequestHandler, allowed: (req: Request) => boolean): RequestHandler {
  return (req, res, next) => {
    if (req.get('authorization') !== undefined || !allowed(req)) return auth(req, res, next);
    res.locals.anonymous = true;
    next();
  };
}

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
  const given = presented(token);
  return (req, res, next) => {
    const digest = given(req);
    if (digest === undefined) return next(unauthorized());
    if (digest === SERVER_TOKEN) return void ((res.locals.namespace = DEFAULT_NAMESPACE), next());
    if (!namespaceOf) return next(unauthorized());
    namespaceOf(digest).then((namespace) => {
      if (namespace === undefined) return next(unauthorized());
      res.locals.namespace = namespace;
      next();
    }, next);
  };
}

/**
 * The namespace a request's token opens (undefined: none), as bearerAuth decides it but
 * without answering: for the journal, of a request refused before its token was checked.
 */
export function tokenNamespace(token: string, namespaceOf?: (digest: Buffer) => Promise<string | undefined>) {
  const given = presented(token);
  return async (req: Request): Promise<string | undefined> => {
    const digest = given(req);
    if (digest === undefined) return undefined;
    if (digest === SERVER_TOKEN) return DEFAULT_NAMESPACE;
    return namespaceOf?.(digest);
  };
}

const SERVER_TOKEN = Symbol('the server token');

/** The bearer token's digest, SERVER_TOKEN when it is the server's, undefined when there is none. */
function presented(token: string) {
  const expected = tokenDigest(token);
  return (req: Request): Buffer | typeof SERVER_TOKEN | undefined => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match) return undefined;
    const given = tokenDigest(match[1]!);
    return timingSafeEqual(given, expected) ? SERVER_TOKEN : given;
  };
}
