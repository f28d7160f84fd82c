import express, { type RequestHandler } from 'express';
import { closeLingering } from './client-errors.js';
import { ApiError } from './errors.js';

/** The largest request body accepted, before and after decompression. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The encodings a body may be sent in. body-parser also takes zstd where the Node runtime
 * has it (24 does, 20 does not); the contract must not change with the runtime, so only
 * these are accepted, everywhere.
 */
export const BODY_ENCODINGS = ['identity', 'gzip', 'deflate', 'br'] as const;

const EMPTY = Symbol('empty body');
type Marked = { [EMPTY]?: true };

const parseJson = express.json({
  limit: BODY_LIMIT_BYTES,
  // body-parser reads an empty body as `{}`, which would make "no body" a valid PATCH that
  // changes nothing but `updated_at`. Marked here, it becomes "no body" below.
  verify: (req, _res, buf) => {
    if (buf.length === 0) (req as Marked)[EMPTY] = true;
  },
});

/**
 * The body step of both API surfaces: body-parser's JSON, with what it leaves out.
 * - An unaccepted Content-Encoding is a 415 (see BODY_ENCODINGS).
 * - A body announced larger than the limit is a 413 at once, from the header alone: body-parser
 *   would read all of it first (it drains the request before answering), so a client that
 *   announces 5 MB would wait for its upload, or for the request timeout, to learn nothing.
 *   The connection is closed after the answer, since the rest of that body will not be read.
 * - An empty body is no body, so the validator refuses it where the spec requires one.
 */
export const jsonBody: RequestHandler = (req, res, next) => {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (!(BODY_ENCODINGS as readonly string[]).includes(encoding)) {
    return next(new ApiError(415, `Unsupported Content-Encoding "${encoding}": send the body as is, or as ${BODY_ENCODINGS.slice(1).join(', ')}.`));
  }
  const announced = Number(req.headers['content-length']);
  if (announced > BODY_LIMIT_BYTES) {
    closeLingering(req.socket);
    return next(new ApiError(413, 'The request body is larger than the 1 MiB limit.', undefined, { Connection: 'close' }));
  }
  parseJson(req, res, (err?: unknown) => {
    if (err) return next(err);
    if ((req as Marked)[EMPTY]) req.body = undefined;
    next();
  });
};
