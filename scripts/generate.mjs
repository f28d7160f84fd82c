#!/usr/bin/env node
// Produces everything in generated/ from openapi/: the bundled spec (YAML for Prism and
// readers, JSON for the server and the contract suite) and the TypeScript types.
// `--check` regenerates into a temporary folder and fails if generated/ differs, so a spec
// edit without `npm run generate` cannot pass the tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const check = process.argv.includes('--check');
const outDir = check ? mkdtempSync(join(tmpdir(), 'oauth-apps-generated-')) : 'generated';
const bin = (name) => join('node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(bin(cmd), args, { stdio: ['ignore', 'ignore', 'inherit'] });

// The bundled specs, one per API of redocly.yaml: [file, command that writes it to `out`].
const outputs = [
  ['openapi.yaml', (out) => run('redocly', ['bundle', 'main', '--output', out])],
  ['openapi.json', (out) => run('redocly', ['bundle', 'main', '--ext', 'json', '--output', out])],
];

const stale = [];
for (const [file, write] of outputs) {
  const out = join(outDir, file);
  write(out);
  if (check) {
    const committed = join('generated', file);
    if (!existsSync(committed) || readFileSync(committed, 'utf8') !== readFileSync(out, 'utf8')) stale.push(committed);
  }
}
// openapi-typescript reads its outputs (x-openapi-ts) from redocly.yaml and checks itself.
try {
  run('openapi-typescript', check ? ['--check'] : []);
} catch {
  stale.push('the TypeScript types (x-openapi-ts outputs of redocly.yaml)');
}
if (check) {
  rmSync(outDir, { recursive: true, force: true });
  if (stale.length) {
    console.error(`generated/ is stale against openapi/: ${stale.join(', ')}.\nRun \`npm run generate\` and commit the result.`);
    process.exit(1);
  }
  console.log('generated/ is up to date with openapi/.');
}
