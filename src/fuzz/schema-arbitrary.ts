import fc from 'fast-check';
import { deref, type OpenApiDocument } from '../spec/index.js';

/** The JSON Schema subset the spec uses. */
export interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
}

/** Strings that stress parsers and encoders while staying valid text. */
const oddText = fc.constantFrom('😀', 'é', 'e\u0301', '\u202e', '\u200b', '𝕏', '"', '\\', '</script>', "' OR 1=1 --", '%00', '\n', '\t', 'ﾟ', '\ud83d\ude00');

/** Any JSON value, odd text and extreme numbers included (what `metadata` may hold). */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER, -0, 0.1, 5e-324),
    fc.string(),
    oddText,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'a.b', '')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/**
 * Values that satisfy a schema of the spec: generated from the spec itself, so a schema
 * change changes what the fuzzer sends.
 */
export function validArbitrary(spec: OpenApiDocument, schema: Schema): fc.Arbitrary<unknown> {
  const s = resolve(spec, schema);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  switch (s.type) {
    case 'string': {
      if (s.format === 'uuid') return fc.uuid();
      if (s.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
      const text = fc.oneof(fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 40) }), oddText);
      // Keep within bounds even after adding odd text; NUL is refused by the contract.
      return text
        .map((t) => t.replace(/\u0000/g, ''))
        .filter((t) => t.length >= (s.minLength ?? 0) && t.length <= (s.maxLength ?? Infinity));
    }
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(s.items ? validArbitrary(spec, s.items) : jsonValue, { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 4) });
    case 'object': {
      if (!s.properties) return fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => !k.includes('\u0000')), jsonValue.filter((v) => !JSON.stringify(v).includes('\\u0000')), { maxKeys: 5 });
      const required = new Set(s.required ?? []);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(s.properties)) shape[k] = validArbitrary(spec, v);
      return fc.record(shape, { requiredKeys: [...required] });
    }
    default:
      return jsonValue;
  }
}

/** One way to break a value of a schema, and why it is invalid (for the report). */
export interface Mutation {
  value: unknown;
  broke: string;
}

/** Values that violate a schema of the spec, each tagged with the rule it breaks. */
export function invalidArbitrary(spec: OpenApiDocument, schema: Schema): fc.Arbitrary<Mutation> {
  const s = resolve(spec, schema);
  const wrongType = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }), fc.string());
  const notOfType = (type: string | undefined) => wrongType.filter((v) => typeOf(v) !== type && !(type === 'number' && typeOf(v) === 'integer'));
  const options: fc.Arbitrary<Mutation>[] = [notOfType(s.type).map((value) => ({ value, broke: `not of type ${s.type}` }))];
  if (s.enum) options.push(fc.string({ minLength: 1 }).filter((v) => !s.enum!.includes(v)).map((value) => ({ value, broke: 'out of enum' })));
  if (s.type === 'string' && s.maxLength !== undefined) {
    options.push(fc.integer({ min: 1, max: 100 }).map((extra) => ({ value: 'x'.repeat(s.maxLength! + extra), broke: `longer than ${s.maxLength}` })));
  }
  if (s.type === 'string' && (s.minLength ?? 0) > 0) options.push(fc.constant({ value: '', broke: 'empty' }));
  if (s.type === 'string' && !s.enum && !s.format) options.push(fc.constant({ value: 'a\u0000b', broke: 'holds NUL' }));
  if (s.type === 'string' && s.format === 'uuid') options.push(fc.string().filter((v) => !/^[0-9a-f-]{36}$/i.test(v)).map((value) => ({ value, broke: 'not a uuid' })));
  if (s.type === 'object' && s.properties) {
    const valid = validArbitrary(spec, s) as fc.Arbitrary<Record<string, unknown>>;
    for (const key of s.required ?? []) {
      options.push(valid.map((v) => ({ value: omit(v, key), broke: `missing required ${key}` })));
    }
    if (s.additionalProperties === false) {
      options.push(fc.tuple(valid, fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !(k in s.properties!))).map(([v, k]) => ({ value: { ...v, [k]: 1 }, broke: `unknown property ${k}` })));
    }
    for (const [key, prop] of Object.entries(s.properties)) {
      options.push(fc.tuple(valid, invalidArbitrary(spec, prop)).map(([v, bad]) => ({ value: { ...v, [key]: bad.value }, broke: `${key}: ${bad.broke}` })));
    }
  }
  return fc.oneof(...options);
}

const resolve = (spec: OpenApiDocument, schema: Schema): Schema => deref(spec, schema) as Schema;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function omit(v: Record<string, unknown>, key: string) {
  const { [key]: _gone, ...rest } = v;
  return rest;
}
