import type { Request, Response } from 'express';
import type { sandboxComponents as components } from 'oauth-apps-api-client/sandbox';
import { MASK } from '../http/present.js';
import type { JournalRecord } from '../store/types.js';

export type RequestEntry = components['schemas']['RequestEntry'];
export type SteeredBy = RequestEntry['steered_by'];

/** What the pipeline's steps leave in `res.locals` for the journal (the sandbox's steering sets them). */
export interface JournalLocals {
  /** The operation the sandbox matched before the validator ran (a steered answer skips the validator). */
  operationId?: string;
  steeredBy?: 'prefer' | 'fault';
}

/**
 * What the journal step keeps of one request once it is answered: plain values and the two
 * bodies, never `req` or `res` (held until a batch is written, those whole graphs of sockets,
 * headers and listeners outlived the young generation and made the GC the journal's main cost).
 */
export interface Observed {
  namespace: string;
  arrivedAt: number;
  durationMs: number;
  operationId: string | null;
  method: string;
  path: string;
  /** The URL as sent (its query string is the entry's `query`). */
  url: string;
  status: number;
  steeredBy: SteeredBy;
  requestBody: unknown;
  /** The last body handed to `res.json` (the one sent). */
  responseBody: unknown;
  /** The Authorization header, only to mask the token wherever a client put it by mistake. */
  authorization: string | undefined;
}

/** Takes what the entry needs from an answered request (at `res.end`, synchronously). */
export function observe(req: Request, res: Response, arrivedAt: number, durationMs: number, responseBody: unknown): Omit<Observed, 'namespace'> {
  const locals = res.locals as JournalLocals;
  const operationId = (req as { openapi?: { schema?: { operationId?: string } } }).openapi?.schema?.operationId ?? locals.operationId ?? null;
  return {
    arrivedAt,
    durationMs,
    operationId,
    method: req.method,
    path: req.path,
    url: req.originalUrl,
    status: res.statusCode,
    steeredBy: locals.steeredBy ?? null,
    requestBody: req.body,
    responseBody,
    authorization: req.headers.authorization,
  };
}

const UNMASKED = /"client_secret":(?!"\*{10}"[,}])/;

/**
 * Masks any value under a `client_secret` key, at any depth, of the request or the response,
 * except the reasons an error body gives for that field (`validation_errors.client_secret`).
 */
const masking = (reasons: unknown) =>
  function (this: unknown, key: string, value: unknown) {
    return key === 'client_secret' && value !== undefined && this !== reasons ? MASK : value;
  };

/**
 * The journal's record of one answered request: the entry as JSON (secrets masked, never a
 * header) and the columns its filters read, made from what the journal step captured once the
 * request was answered.
 */
export function toRecord(o: Observed): JournalRecord {
  const { status, operationId } = o;
  const entry: Omit<RequestEntry, 'id'> = {
    time: new Date(o.arrivedAt).toISOString(),
    operation_id: operationId as RequestEntry['operation_id'],
    method: o.method,
    path: o.path,
    query: queryOf(o.url),
    request: o.requestBody === undefined ? {} : { body: o.requestBody },
    response: o.responseBody === undefined ? { status } : { status, body: o.responseBody },
    duration_ms: Math.round(o.durationMs * 100) / 100,
    steered_by: o.steeredBy,
  };
  const refused = status >= 400 && isErrorBody(o.responseBody) ? o.responseBody : undefined;
  if (refused) {
    entry.summary = refused.summary;
    if (refused.validation_errors) entry.validation_errors = refused.validation_errors;
  }
  // A replacer function makes JSON.stringify several times slower, so it runs only when a
  // `client_secret` key holds anything but the mask (a key in the text is always `"client_secret":`;
  // inside a string value its quotes would be escaped).
  let json = JSON.stringify(entry);
  if (UNMASKED.test(json)) json = JSON.stringify(entry, masking(refused?.validation_errors));
  // The token itself, wherever a client put it by mistake (a query parameter, a body field).
  const token = /^Bearer[ ]+(\S{8,})/i.exec(o.authorization ?? '')?.[1];
  if (token && json.includes(token)) json = json.replaceAll(token, MASK);
  return { namespace: o.namespace, operationId, method: o.method, path: o.path, status, entry: json };
}

/** The query string's parameters as sent: text, a list when repeated; own keys only (`__proto__` is a name). */
function queryOf(url: string): Record<string, string | string[]> {
  const at = url.indexOf('?');
  const values = new Map<string, string | string[]>();
  if (at === -1) return {};
  for (const [key, value] of new URLSearchParams(url.slice(at + 1))) {
    const seen = values.get(key);
    values.set(key, seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]);
  }
  return Object.fromEntries(values);
}

const isErrorBody = (body: unknown): body is { summary: string; validation_errors?: Record<string, string[]> } =>
  typeof body === 'object' && body !== null && typeof (body as { summary?: unknown }).summary === 'string';
