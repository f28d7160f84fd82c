import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { components } from 'oauth-apps-api-client';
import { StoreUnavailableError } from '../store/types.js';

export type ErrorBody = components['schemas']['Error'];
type ValidationErrors = NonNullable<ErrorBody['validation_errors']>;

/** An error that already knows its status and body; thrown by handlers, auth, the store glue. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly summary: string,
    readonly validationErrors?: ValidationErrors,
    readonly headers: Record<string, string> = {},
  ) {
    super(summary);
  }

  /** Adds a reason for a field; own keys only, so a field named `toString` or `__proto__` is just a name. */
  static addReason(errors: ValidationErrors, field: string, reason: string) {
    if (Object.hasOwn(errors, field)) errors[field]!.push(reason);
    else Object.defineProperty(errors, field, { value: [reason], enumerable: true, writable: true, configurable: true });
  }

  /** 404 for an app id the store does not know. */
  static appNotFound(id: string): ApiError {
    return new ApiError(404, `Not found: no OAuth app with ID ${id}.`);
  }

  /** 422 with reasons keyed by field name. */
  static validation(errors: ValidationErrors): ApiError {
    const n = Object.keys(errors).length;
    return new ApiError(422, `Validation failed: ${n} field${n === 1 ? ' was' : 's were'} refused.`, errors);
  }
}

const NO_SUCH_ROUTE = 'Not found: no such route.';

/** Seconds a client is told to wait when the database is unavailable (a PostgreSQL restart takes about that). */
export const RETRY_AFTER_SECONDS = 2;

/** 503 for a database that cannot answer now: the client may retry; it is not a bug to report. */
export function unavailable(): ApiError {
  return new ApiError(503, 'The database is unavailable; retry in a few seconds.', undefined, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
}

/** Shape of express-openapi-validator's errors (it exports classes, but not one common type). */
interface ValidatorError {
  status: number;
  errors?: { path: string; message: string; errorCode?: string }[];
  headers?: Record<string, string>;
}

const isValidatorError = (e: unknown): e is ValidatorError =>
  typeof e === 'object' && e !== null && Array.isArray((e as ValidatorError).errors) && typeof (e as ValidatorError).status === 'number';

/**
 * '/body/name' → 'name', '/query/health.status' → 'health.status', '/path/id' → 'id',
 * '/body' → 'body'. The field that carries the error, as the API's clients name it.
 */
function fieldOf(path: string): string {
  const [, location = '', field] = path.split('/');
  if (field) return field.replace(/~1/g, '/').replace(/~0/g, '~');
  return location === 'body' || location === '' ? 'body' : location;
}

const typeNames: Record<string, string> = {
  object: 'a JSON object',
  array: 'an array',
  string: 'a string',
  boolean: 'true or false',
  integer: 'an integer',
  number: 'a number',
};

/** Ajv's messages, reworded for people who never read JSON Schema. */
const rewordings: [RegExp, (...groups: string[]) => string][] = [
  [/^must NOT have additional properties$/, () => 'is not a known field'],
  [/^must be equal to one of the allowed values: (.*)$/, (values) => `must be one of: ${values}`],
  [/^must NOT have more than (\d+) characters$/, (n) => `must be at most ${n} characters long`],
  [/^must NOT have fewer than (\d+) characters?$/, (n) => `must be at least ${n} character${n === '1' ? '' : 's'} long`],
  [/^must have required property '.+'$/, () => 'is required'],
  [/^must be (object|array|string|boolean|integer|number)$/, (t) => `must be ${typeNames[t!]}`],
  [/^Unknown query parameter '.+'$/, () => 'is not a known query parameter'],
  [/^malformed uri'$/, () => 'is not valid percent-encoding: each % must begin two hex digits, and together they must spell UTF-8'],
];
function reason(message: string): string {
  for (const [pattern, reword] of rewordings) {
    const m = pattern.exec(message);
    if (m) return reword(...m.slice(1));
  }
  return message;
}

/** Converts a validator failure into our 422 (or the status it really is: 404, 405, 415). */
function fromValidator(err: ValidatorError): ApiError {
  if (err.status === 400) {
    const errors: ValidationErrors = {};
    for (const e of err.errors ?? []) {
      // Ajv reports a missing property at its parent; the field is the property itself.
      const missing = /^must have required property '(.+)'$/.exec(e.message);
      const additional = /^must NOT have additional properties$/.test(e.message) ? /\/([^/]+)$/.exec(e.path) : null;
      const field = missing?.[1] ?? (additional && e.path.split('/').length > 3 ? additional[1] : fieldOf(e.path));
      ApiError.addReason(errors, field!, reason(e.message));
    }
    return ApiError.validation(errors);
  }
  const summaries: Record<number, string> = {
    404: NO_SUCH_ROUTE,
    405: `Method not allowed on this path; allowed: ${err.headers?.Allow ?? err.headers?.allow ?? 'see the docs'}.`,
    415: 'Unsupported Content-Type: send the body as application/json.',
  };
  return new ApiError(err.status, summaries[err.status] ?? err.errors?.[0]?.message ?? 'Request refused.', undefined, err.headers);
}

/** body-parser's failures carry a `type`, except a decompression failure (zlib's own error, status 400). */
function fromBodyParser(err: { type?: string; status?: number; code?: unknown; errno?: unknown }): ApiError | undefined {
  if (err.status === 400 && err.type === undefined && typeof err.code === 'string' && typeof err.errno === 'number') {
    return new ApiError(400, 'The request body could not be decompressed: it is not valid data of its Content-Encoding.');
  }
  if (err.type === 'entity.parse.failed') return new ApiError(400, 'The request body is not valid JSON.');
  if (err.type === 'entity.too.large') return new ApiError(413, 'The request body is larger than the 1 MiB limit.');
  if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
    return new ApiError(415, 'Unsupported body encoding or charset: send UTF-8 JSON.');
  }
  if (err.type === 'request.aborted') return new ApiError(400, 'The request body was not received in full.');
  return undefined;
}

/** Unknown routes end here: 404 in the API's shape. */
export const notFound: RequestHandler = (_req, _res, next) => next(new ApiError(404, NO_SUCH_ROUTE));

/**
 * The one place that turns any error into the API's error body. A 5xx is logged with its
 * stack (it is our bug); the client sees only a generic summary. A database that cannot
 * answer (StoreUnavailableError) is a 503 with Retry-After instead, logged as a warning.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    try {
      respond(err, req, res);
    } catch (failure) {
      // The error handler itself must never be the thing that breaks the error shape.
      log.error({ err: { message: (failure as Error).message, stack: (failure as Error).stack } }, 'error handler failed');
      if (!res.headersSent) res.status(500).json({ summary: 'Internal server error.' } satisfies ErrorBody);
    }
  };

  function respond(err: unknown, req: Parameters<ErrorRequestHandler>[1], res: Parameters<ErrorRequestHandler>[2]) {
    if (err instanceof StoreUnavailableError) {
      // Not our bug, so no stack; the reason (never a connection string) says what the database did.
      log.warn({ reason: err.message, method: req.method, path: req.path }, 'database unavailable');
      err = unavailable();
    }
    const apiError =
      err instanceof ApiError ? err : (fromBodyParser(err as { type?: string }) ?? (isValidatorError(err) ? fromValidator(err) : undefined));
    if (!apiError || apiError.status >= 500) {
      // Message and stack only: other properties of an error may hold request data.
      const { name, message, stack } = err instanceof Error ? err : new Error(String(err));
      log.error({ err: { name, message, stack }, method: req.method, path: req.path }, 'request failed');
    }
    const e = apiError ?? new ApiError(500, 'Internal server error.');
    if (res.headersSent) return res.end();
    const body: ErrorBody = { summary: e.summary };
    if (e.validationErrors) body.validation_errors = e.validationErrors;
    res.status(e.status).set(e.headers).json(body);
  }
}
