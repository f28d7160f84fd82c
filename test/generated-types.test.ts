import { describe, expect, it } from 'vitest';
import type { components } from 'oauth-apps-api-client';
import { specValidator } from '../src/spec/index.js';

// Compile-time half: `npm run typecheck` fails if a line marked @ts-expect-error compiles,
// i.e. if the generated types stopped rejecting a body the spec rejects.
type CreateBody = components['schemas']['OauthAppCreate'];
type UpdateBody = components['schemas']['OauthAppUpdate'];

const valid: CreateBody = {
  provider: 'stripe',
  client_id: 'db97a4eb-f488-46c8-b1a7-78be3d8380d1',
  client_secret: 'e8c22f21-3455-4ad5-ae1e-76bee847dec9',
  name: 'Arakkis - Stripe',
  metadata: { custom_property: 42 },
};
// @ts-expect-error 'myspace' is not one of the 14 providers
const unknownProvider: CreateBody = { ...valid, provider: 'myspace' };
// @ts-expect-error name is required
const missingName: CreateBody = { provider: 'stripe', client_id: 'a', client_secret: 'b' };
// @ts-expect-error unknown fields are refused (additionalProperties: false)
const extraField: CreateBody = { ...valid, colour: 'red' };
// @ts-expect-error provider cannot be changed by an update
const changeProvider: UpdateBody = { provider: 'github' };
// @ts-expect-error client_secret is a string
const numericSecret: UpdateBody = { client_secret: 42 };

// Run-time half: the spec's own schema agrees with the types on each of those bodies.
describe('generated types and the spec agree', () => {
  const validate = specValidator();
  it('accepts the valid create body', () => {
    expect(validate('#/components/schemas/OauthAppCreate')(valid)).toBe(true);
  });
  it.each([
    ['unknown provider', 'OauthAppCreate', unknownProvider],
    ['missing name', 'OauthAppCreate', missingName],
    ['extra field', 'OauthAppCreate', extraField],
    ['provider in an update', 'OauthAppUpdate', changeProvider],
    ['numeric secret', 'OauthAppUpdate', numericSecret],
  ])('rejects a body with %s', (_label, schema, body) => {
    expect(validate(`#/components/schemas/${schema}`)(body)).toBe(false);
  });
});
