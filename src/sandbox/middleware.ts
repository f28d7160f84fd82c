import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestHandler } from 'express';
import { requestNamespace } from '../http/auth.js';
import { ApiError } from '../http/errors.js';
import type { OpenApiDocument } from '../spec/index.js';
import { operationMatcher } from '../spec/operations.js';
import { exampleResponses } from './examples.js';
import type { JournalLocals } from '../journal/entry.js';
import type { FaultRegistry } from './faults.js';
import { parsePrefer } from './prefer.js';

/**
 * Per-request steering of /v1 operations: a `Prefer` header (code, example, delay) or an
 * injected fault answers a documented response from the spec's examples and/or adds
 * latency. Runs after auth and before validation, so a forced response needs a valid token
 * but not a valid request.
 */
export function sandboxSteering(spec: OpenApiDocument, faults: FaultRegistry): RequestHandler {
  const match = operationMatcher(spec);
  const canned = exampleResponses(spec);
  return async (req, res, next) => {
    const namespace = requestNamespace(res);
    // The common case (no Prefer header, no fault in this namespace) costs a Set lookup, not a route match.
    if (req.headers.prefer === undefined && !faults.mayHave(namespace)) return next();
    const op = match(req.method, req.baseUrl + req.path); // mounted on /v1: req.path is relative
    if (!op) return next();
    const locals = res.locals as JournalLocals; // what the journal says answered the request
    locals.operationId = op.operationId;
    const pref = parsePrefer(req.get('prefer'));
    if ('errors' in pref || pref.code !== undefined || pref.example !== undefined || pref.delayMs !== undefined) locals.steeredBy = 'prefer';
    if ('errors' in pref) throw ApiError.validation({ Prefer: pref.errors });
    if (pref.code !== undefined && !op.statuses.includes(String(pref.code))) {
      throw ApiError.validation({ Prefer: [`code ${pref.code} is not documented for ${op.operationId} (documented: ${op.statuses.join(', ')})`] });
    }
    // A Prefer that names the answer (code or example) overrides faults, as a test asked for it.
    const fault = pref.code === undefined && pref.example === undefined ? await faults.take(namespace, op.operationId) : undefined;
    if (fault) locals.steeredBy = 'fault';
    const delay = (pref.delayMs ?? 0) + (fault?.delay_ms ?? 0);
    if (delay > 0) await sleep(delay);

    if (pref.code === undefined && pref.example !== undefined) {
      // example= alone: that example, from whichever response holds it (Prism's reading).
      const response = canned.byName(op.template, req.method, pref.example);
      if (!response) {
        throw ApiError.validation({ Prefer: [`no example named '${pref.example}' for ${op.operationId} (examples: ${canned.names(op.template, req.method).join(', ')})`] });
      }
      return void res.status(response.status).set(response.headers).json(response.body);
    }
    const code = pref.code ?? fault?.status;
    // A forced success without a named example is simply the real, stateful answer.
    if (code === undefined || (code < 300 && pref.example === undefined)) return next();
    const response = canned.byStatus(op.template, req.method, code, pref.example);
    if (!response) {
      const names = pref.example ? ` (examples: ${canned.names(op.template, req.method).join(', ')})` : '';
      throw ApiError.validation({ Prefer: [`no example${pref.example ? ` named '${pref.example}'` : ''} for ${code} of ${op.operationId}${names}`] });
    }
    res.status(response.status).set(response.headers).json(response.body);
  };
}
