/**
 * The usage format: "what a consumer did", one file per consumer (schemas/usage.schema.json,
 * shipped as `oauth-apps-api/usage.schema.json`). This module owns it: its types, its
 * validation, the masking of secrets, reading and writing. Every source (the recording proxy,
 * the sandbox journal, the in-process API) writes through `usageFile`; every reader (`usage
 * check`, `npm run diff`) reads through `readUsageFile`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { packageRoot } from '../paths.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export const USAGE_FORMAT = 'oauth-apps-api/usage';
export const USAGE_VERSION = 1;
export const usageSchemaFile = join(packageRoot, 'schemas', 'usage.schema.json');
/** What every client_secret becomes: the spec's own mask, so a masked body still matches the spec. */
export const SECRET_MASK = '**********';

export type QueryValues = Record<string, string | string[]>;

export interface Exchange {
  operation_id: string | null;
  method: string;
  path: string;
  query: QueryValues;
  request: { content_type?: string; body?: unknown };
  response: { status: number; content_type?: string; body?: unknown };
  consumer?: string;
  time?: string;
  steered_by?: string | null;
  violations?: string[];
}

export interface UsageFile {
  format: typeof USAGE_FORMAT;
  version: typeof USAGE_VERSION;
  consumer: string;
  source?: 'record' | 'journal' | 'in-process' | 'hand-written';
  created_at?: string;
  exchanges: Exchange[];
}

let validate: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (!validate) {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(usageSchemaFile, 'utf8')) as object);
  }
  return validate;
}

/** Checks a parsed value against the usage schema; throws a readable list of problems naming `source`. */
export function checkUsage(value: unknown, source: string): UsageFile {
  const v = value as Partial<UsageFile> | null;
  if (v && typeof v === 'object' && v.format === USAGE_FORMAT && v.version !== USAGE_VERSION) {
    throw new Error(`${source}: usage format version ${JSON.stringify(v.version)} is not one this kit reads (it reads version ${USAGE_VERSION}); upgrade oauth-apps-api`);
  }
  const check = validator();
  if (!check(value)) {
    const problems = (check.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
    throw new Error(`${source} is not a usage file (see oauth-apps-api/usage.schema.json):\n  ${problems.join('\n  ')}`);
  }
  const leaked = findSecrets(value).filter((s) => s.value !== SECRET_MASK);
  if (leaked.length) throw new Error(`${source} holds an unmasked client_secret at ${leaked[0]!.at}: a usage file keeps secrets masked as ${SECRET_MASK}`);
  return value as UsageFile;
}

export function readUsageFile(file: string): UsageFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read usage file ${file}: ${(err as Error).message}`);
  }
  return checkUsage(parsed, file);
}

/** A usage file for `consumer` from exchanges (secrets masked here, whatever the source did). */
export function usageFile(consumer: string, exchanges: Exchange[], source?: UsageFile['source']): UsageFile {
  const file: UsageFile = {
    format: USAGE_FORMAT,
    version: USAGE_VERSION,
    consumer,
    ...(source ? { source } : {}),
    created_at: new Date().toISOString(),
    exchanges: exchanges.map(maskExchange),
  };
  return checkUsage(file, `usage of ${consumer}`);
}

export function maskExchange(e: Exchange): Exchange {
  const request = 'body' in e.request ? { ...e.request, body: maskSecrets(e.request.body) } : e.request;
  const response = 'body' in e.response ? { ...e.response, body: maskSecrets(e.response.body) } : e.response;
  return { ...e, request, response };
}

/** A deep copy with every `client_secret` string replaced by `mask`. */
export function maskSecrets<T>(value: T, mask = SECRET_MASK): T {
  if (Array.isArray(value)) return value.map((v: unknown) => maskSecrets(v, mask)) as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'client_secret' && typeof v === 'string' ? mask : maskSecrets(v, mask);
  return out as T;
}

function findSecrets(value: unknown, at = ''): { at: string; value: unknown }[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [...(k === 'client_secret' ? [{ at: `${at}/${k}`, value: v }] : []), ...findSecrets(v, `${at}/${k}`)]);
}

/** The consumer an exchange counts for. */
export const consumerOf = (file: UsageFile, e: Exchange) => e.consumer ?? file.consumer;
