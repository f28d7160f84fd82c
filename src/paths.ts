import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The files the package ships beside its code (bundled spec, built docs, fixtures). Found by
// walking up to package.json, so the same code works from src/ (vitest, tsx) and from
// dist/src/ (built).
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
export const bundledSpecJson = join(packageRoot, 'generated', 'openapi.json');
export const bundledSpecYaml = join(packageRoot, 'generated', 'openapi.yaml');
export const bundledSandboxJson = join(packageRoot, 'generated', 'sandbox.json');
export const bundledSandboxYaml = join(packageRoot, 'generated', 'sandbox.yaml');
export const docsDir = join(packageRoot, 'build', 'docs');
