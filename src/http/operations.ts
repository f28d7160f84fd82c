import type { Request, RequestHandler, Response } from 'express';
import { ApiError } from './errors.js';

/** The path parameters of a generated operation type (`{ id: string }`; none: an empty record). */
type PathParams<Op> = Op extends { parameters: { path: infer P extends Record<string, string> } } ? P : Record<string, never>;

/** A handler of one operation: input already validated (and path params set) by the validator. */
export type OperationHandler<Op = unknown> = (req: Request<PathParams<Op>>, res: Response) => Promise<void> | void;

/**
 * Dispatches a validated request to its operation's handler by `operationId`: the validator
 * has already matched the route (its `req.openapi.schema`, with 404 and 405 answered), so a
 * second route table (an Express Router matching every path again) would be pure cost and a
 * second copy of the spec's paths that could drift. Keyed by the generated `operations` type,
 * so an operation of the spec without a handler, or a handler of no operation, does not compile.
 */
export function byOperationId<Ops>(handlers: { [K in keyof Ops]: OperationHandler<Ops[K]> }): RequestHandler {
  const table = new Map(Object.entries(handlers) as [string, (req: Request, res: Response) => Promise<void> | void][]);
  return (req, res) => {
    const operationId = (req as { openapi?: { schema?: { operationId?: string } } }).openapi?.schema?.operationId;
    const handler = operationId === undefined ? undefined : table.get(operationId);
    // Unreachable while the validator runs first and the handlers cover the spec (the type says so).
    if (!handler) throw new ApiError(500, `No handler for operation ${operationId ?? '(none: the request was not validated)'}.`);
    return handler(req, res);
  };
}
