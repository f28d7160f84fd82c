import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The files the kit ships beside its code (built docs, fixtures), found by walking up to
// package.json, so the same code works from src/ (vitest, tsx) and from dist/src/ (built);
// and the bundled spec files, which the client package ships (one copy, wherever npm put it).
function findPackageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${from}`);
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
const resolve = createRequire(import.meta.url).resolve;
const clientFile = (name: string) => resolve(`oauth-apps-api-client/${name}`);
export const bundledSpecJson = clientFile('openapi.json');
export const bundledSpecYaml = clientFile('openapi.yaml');
export const bundledSandboxJson = clientFile('sandbox.json');
export const bundledSandboxYaml = clientFile('sandbox.yaml');
export const docsDir = join(packageRoot, 'build', 'docs');
