/**
 * The usage-aware check: every recorded exchange replayed against a candidate spec.
 *
 * - The request goes through the project's one validator (server/validator.ts, eov), in an
 *   app made of nothing else: what it refuses, a server built from the candidate would refuse.
 * - The response is checked with Ajv against the candidate's response schema, as eov's response
 *   validator checks it, with one addition: an object that declares its properties is read as
 *   closed (`additionalProperties: false` where the candidate says nothing), because a field
 *   the consumer received that the candidate no longer declares is a field it may stop getting.
 */
import express, { type ErrorRequestHandler } from 'express';
import inject from 'light-my-request';
import { jsonBody } from '../http/body.js';
import { keepPrototypesToItself } from '../http/own-prototypes.js';
import { apiValidator } from '../http/validator.js';
import { escapePointer, specValidator, type OpenApiDocument } from '../spec/index.js';
import { operationMatcher, type Operation } from '../spec/operations.js';
import { consumerOf, type Exchange, type UsageFile } from './format.js';
import { gonePointer, requestLocations, resolve, schemaLocations, type ValidationItem } from './locations.js';


export type BreakKind = 'operation-gone' | 'status-gone' | 'request-refused' | 'response-undescribed';

export interface Break {
  consumer: string;
  kind: BreakKind;
  /** The file and index of the exchange, and what it was. */
  file: string;
  index: number;
  /** The exchange as `GET /v1/oauth-apps?provider=stripe → 200`, and its method and path. */
  exchange: string;
  method: string;
  path: string;
  message: string;
  /** Spec locations the break is about, most specific first (JSON Pointers into the candidate). */
  at: string[];
}

export interface CheckReport {
  spec: string;
  /** Exchanges replayed, by consumer. */
  exchanges: Map<string, number>;
  breaks: Break[];
}


/** One thing wrong with an exchange against a spec. */
export type Problem = Pick<Break, 'kind' | 'message' | 'at'>;

/** Replays every exchange of `files` against `spec`. */
export async function checkUsage(spec: OpenApiDocument, files: { file: string; usage: UsageFile }[], specName = 'candidate'): Promise<CheckReport> {
  const examine = exchangeExaminer(spec, 'gate');
  const report: CheckReport = { spec: specName, exchanges: new Map(), breaks: [] };
  for (const { file, usage } of files) {
    for (const [index, e] of usage.exchanges.entries()) {
      const consumer = consumerOf(usage, e);
      report.exchanges.set(consumer, (report.exchanges.get(consumer) ?? 0) + 1);
      for (const p of await examine(e)) report.breaks.push({ consumer, file, index, exchange: describeExchange(e), method: e.method, path: e.path, ...p });
    }
  }
  return report;
}

/**
 * What a spec says is wrong with one exchange, read one of two ways:
 * - `gate` (usage check, npm run diff): may a consumer that did this break? Objects that list
 *   their properties are read as closed (a field received must still be declared), and the
 *   request of a refusal or of an authentication failure is not replayed (NOT_VALIDATED).
 * - `conformance` (the recorder): is this exchange a contract violation today, by the spec's
 *   own reading? Every request is checked, a refused one included.
 */
export function exchangeExaminer(spec: OpenApiDocument, mode: 'gate' | 'conformance') {
  const closed = mode === 'gate';
  const replay = replayApp(spec);
  const match = operationMatcher(spec);
  const responses = specValidator(closed ? closedObjects(spec) : spec);
  return async (e: Exchange): Promise<Problem[]> => {
    const problems: Problem[] = [];
    const found = (kind: BreakKind, message: string, at: string[]) => void problems.push({ kind, message, at });
    const op = match(e.method, e.path);
    if (!op) {
      found('operation-gone', `${e.method} ${e.path}${e.operation_id ? ` (${e.operation_id})` : ''} matches no operation of the spec`, [gonePointer(spec, e)]);
      return problems;
    }
    const opPointer = `#/paths/${escapePointer(op.template)}/${op.method.toLowerCase()}`;
    const refusedThen = closed && NOT_VALIDATED.has(e.response.status);
    if (!refusedThen) for (const item of await replay(e)) found('request-refused', `the request is refused: ${requestField(item)} ${item.message}`, requestLocations(spec, op, opPointer, item));
    const status = documentedStatus(op, e.response.status);
    if (!status) {
      found('status-gone', `status ${e.response.status} is not documented for ${op.operationId}`, [`${opPointer}/responses/${e.response.status}`, `${opPointer}/responses`]);
      return problems;
    }
    if (e.response.body === undefined) return problems;
    // The response object may be a $ref (to components/responses): its schema is where the ref leads.
    let responsePointer = `${opPointer}/responses/${escapePointer(status)}`;
    for (let r = resolve(spec, responsePointer); r?.$ref; r = resolve(spec, responsePointer)) responsePointer = r.$ref as string;
    const media = `${responsePointer}/content/application~1json/schema`;
    if (!resolve(spec, responsePointer)?.content?.['application/json']) {
      found('response-undescribed', `no JSON body is described for ${op.operationId} ${status}, and one was received`, [`${opPointer}/responses/${status}`]);
      return problems;
    }
    const validate = responses(media.replace(/[{}]/g, encodeURIComponent)); // a URI fragment, as Ajv reads $refs
    if (validate(e.response.body)) return problems;
    for (const err of validate.errors ?? []) {
      const extra = err.keyword === 'additionalProperties' ? `/${(err.params as { additionalProperty: string }).additionalProperty}` : '';
      const instance = `${err.instancePath}${extra}`;
      const message =
        err.keyword === 'additionalProperties'
          ? `field ${dotted(instance)} received is not declared`
          : err.keyword === 'enum'
            ? `value ${JSON.stringify(valueAt(e.response.body, err.instancePath))} received at ${dotted(err.instancePath)} is not allowed (${err.message})`
            : `${dotted(instance) || 'the body'} ${err.message}`;
      found('response-undescribed', `the ${e.response.status} response is not described: ${message}`, schemaLocations(spec, media, instance, err.keyword));
    }
    return problems;
  };
}

/**
 * The statuses whose exchange's request the gate does not replay: the refusals of a request
 * (400, 413, 415, 422), on which the consumer relied as such, and those the server answers
 * before it validates (401, 403: authentication comes first), for which validity never mattered.
 */
const NOT_VALIDATED = new Set([400, 401, 403, 413, 415, 422]);

/** An app of the candidate's validator alone: it answers 204 to what the validator lets through. */
function replayApp(spec: OpenApiDocument) {
  // Injected with light-my-request, so its Express prototypes are its own (a recording proxy
  // in the same process serves real sockets).
  const app = keepPrototypesToItself(express());
  const validator = apiValidator(spec, { validateResponses: false });
  app.use(jsonBody, validator, (_req, res) => void res.status(204).end());
  const caught: ErrorRequestHandler = (err: { status?: number; errors?: ValidationItem[]; message: string }, _req, res, _next) =>
    void res.status(299).json(err.errors?.length ? err.errors : [{ path: '/request', message: err.message }]);
  app.use(caught);
  return async (e: Exchange): Promise<ValidationItem[]> => {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(e.query)) for (const one of Array.isArray(v) ? v : [v]) query.append(k, one);
    const body = e.request.body === undefined ? undefined : JSON.stringify(e.request.body);
    const res = await inject(app as never, {
      method: e.method as 'GET',
      url: `${e.path}${query.size ? `?${query}` : ''}`,
      headers: body === undefined ? {} : { 'content-type': e.request.content_type ?? 'application/json' },
      payload: body,
    });
    return res.statusCode === 299 ? (JSON.parse(res.payload) as ValidationItem[]) : [];
  };
}

/** The candidate's response key a status falls under: the status itself, its class (4XX), or default. */
function documentedStatus(op: Operation, status: number): string | undefined {
  const s = String(status);
  return [s, `${s[0]}XX`, `${s[0]}xx`, 'default'].find((k) => op.statuses.includes(k));
}

/**
 * A copy of the spec where every object schema that lists its properties and says nothing of
 * others is closed. Schemas combined with allOf/anyOf/oneOf are left as they are (closing a
 * part would refuse its siblings' properties).
 */
export function closedObjects(spec: OpenApiDocument): OpenApiDocument {
  const copy = structuredClone(spec);
  const visit = (node: unknown, combined: boolean) => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, combined));
    if (!node || typeof node !== 'object') return;
    const s = node as Record<string, unknown>;
    if (s.properties && typeof s.properties === 'object' && !combined && !('additionalProperties' in s) && !('unevaluatedProperties' in s) && !s.allOf && !s.anyOf && !s.oneOf) {
      s.additionalProperties = false;
    }
    for (const [k, v] of Object.entries(s)) {
      // `properties`' values are schemas; its own keys are names, never a schema to close.
      if (k === 'properties' && v && typeof v === 'object') Object.values(v).forEach((p) => visit(p, false));
      else visit(v, k === 'allOf' || k === 'anyOf' || k === 'oneOf');
    }
  };
  visit(copy, false);
  return copy;
}

/** `body.name`, `query.provider`; for a missing property, the object that misses it (eov names the property). */
function requestField(item: ValidationItem): string {
  // eov names the route itself for a refused media type: the request as a whole.
  if (!/^\/(body|query|path|headers)(\/|$)/.test(item.path)) return 'request:';
  const path = /required property/.test(item.message) ? item.path.replace(/\/[^/]*$/, '') : item.path;
  return dotted(path);
}

const dotted = (pointer: string) => pointer.replace(/^\//, '').replace(/\//g, '.');

function valueAt(body: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<any>((v, k) => v?.[k], body);
}

export function describeExchange(e: Exchange): string {
  const query = Object.keys(e.query).length ? `?${new URLSearchParams(Object.entries(e.query).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, x])))}` : '';
  return `${e.method} ${e.path}${query} → ${e.response.status}`;
}

/** The report as text: per consumer, each break with its exchange and spec location. */
export function formatCheck(report: CheckReport): string {
  const lines = [`Recorded usage replayed against ${report.spec}:`];
  for (const [consumer, count] of report.exchanges) {
    const breaks = report.breaks.filter((b) => b.consumer === consumer);
    lines.push(`  ${consumer}: ${count} exchange(s), ${breaks.length ? `${breaks.length} break(s)` : 'no break'}`);
    for (const b of breaks) lines.push(`    ✗ [${b.kind}] ${b.message}`, `      exchange #${b.index} of ${b.file}: ${b.exchange}`, `      at ${b.at[0]}`);
  }
  if (!report.exchanges.size) lines.push('  (no exchanges)');
  const consumers = new Set(report.breaks.map((b) => b.consumer));
  lines.push('', report.breaks.length ? `✗ ${report.breaks.length} break(s) for ${[...consumers].join(', ')}` : '✓ every recorded exchange is still described by the candidate');
  return lines.join('\n');
}
