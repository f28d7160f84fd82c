#!/usr/bin/env node
// The bundled specs (generated/*.json, or the files given) as tools other than Redocly see them: each must validate
// against the official OpenAPI JSON Schema (@seriousme/openapi-schema-validator), and Spectral's
// `spectral:oas` ruleset (.spectral.yaml) must report no error. `redocly lint` alone missed a
// keyword that OpenAPI 3.1 forbids (allowReserved beside content); these would not.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';

// Files to check: the arguments, or every bundled spec (npm run generate writes them into the client package).
const bundles = 'generated';
const args = process.argv.slice(2);
const files = args.length ? args : readdirSync(bundles).filter((f) => f.endsWith('.json')).map((f) => join(bundles, f));
let failed = false;
for (const file of files) {
  const validator = new Validator();
  const res = await validator.validate(file);
  if (res.valid) {
    console.log(`${file}: valid against the OpenAPI ${validator.version} schema`);
  } else {
    failed = true;
    console.error(`${file}: INVALID against the OpenAPI ${validator.version ?? ''} schema:\n${JSON.stringify(res.errors, null, 2)}`);
  }
}
try {
  execFileSync(join('node_modules', '.bin', 'spectral'), ['lint', ...files, '--ruleset', '.spectral.yaml', '--fail-severity', 'error', '--display-only-failures'], { stdio: 'inherit' });
  console.log(`Spectral (spectral:oas): no error in ${files.join(', ')}`);
} catch {
  failed = true;
}
process.exitCode = failed ? 1 : 0;
