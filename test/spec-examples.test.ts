import { describe, expect, it } from 'vitest';
import { escapePointer as esc, loadSpec, resolvePointer, specValidator } from '../src/spec/index.js';

// Every example in the bundled spec, checked against the schema beside it. The linter checks
// these too; this test keeps the guarantee even if a lint rule is ever switched off.
const spec = loadSpec();
const validator = specValidator(spec);
const at = (pointer: string) => resolvePointer(spec, pointer);
/** Follows a $ref (if any); returns the JSON pointer of the node it lands on. */
const follow = (pointer: string): string => at(pointer).$ref ?? pointer;

const cases: { where: string; schema: string; value: unknown }[] = [];
const collect = (contentPointer: string, where: string) => {
  for (const type of Object.keys(at(contentPointer) ?? {})) {
    const media = `${contentPointer}/${esc(type)}`;
    for (const name of Object.keys(at(media).examples ?? {})) {
      cases.push({ where: `${where} ${name}`, schema: `${media}/schema`, value: at(follow(`${media}/examples/${name}`)).value });
    }
  }
};
for (const [path, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item as Record<string, any>)) {
    if (method === 'parameters') continue;
    const opPointer = `#/paths/${esc(path)}/${method}`;
    if (op.requestBody) collect(`${follow(`${opPointer}/requestBody`)}/content`, `${op.operationId} request`);
    for (const status of Object.keys(op.responses)) {
      collect(`${follow(`${opPointer}/responses/${status}`)}/content`, `${op.operationId} ${status}`);
    }
  }
}

describe('every example in the spec', () => {
  it('includes request examples and success examples of all five operations', () => {
    expect(cases.filter((c) => c.where.includes(' request ')).length).toBe(2);
    const successes = new Set(cases.filter((c) => / 200 /.test(c.where)).map((c) => c.where.split(' ')[0]));
    expect([...successes].sort()).toEqual(['createOauthApp', 'deleteOauthApp', 'getOauthApp', 'listOauthApps', 'updateOauthApp']);
  });

  it.each(cases)('$where validates against its schema', ({ schema, value }) => {
    const validate = validator(schema);
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects a value that breaks the schema (the check can fail)', () => {
    const okApp = cases.find((c) => c.where === 'getOauthApp 200 StripeOauthApp')!;
    const { client_secret: _dropped, ...withoutSecret } = okApp.value as Record<string, unknown>;
    expect(validator(okApp.schema)(withoutSecret)).toBe(false);
  });
});
