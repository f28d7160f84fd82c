#!/usr/bin/env node
// Builds only what is stale, the way make does: an output older than any of its inputs (or
// missing) is rebuilt. `npm start` uses it for the code (a fresh build starts at once: no tsc,
// no docs); `prepare` (npm ci, npm pack, npm publish) for the code and the docs, so a fresh
// clone gets a full build and a pack right after `npm run build` rebuilds nothing.
import { execSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const targets = {
  code: {
    inputs: ['src', 'packages/client/src', 'generated', 'packages/client/copy-generated.mjs', 'packages/client/build.mjs', 'packages/client/package.json', 'packages/client/tsconfig.json', 'packages/client/tsconfig.cjs.json', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/build-testing.mjs', 'scripts/node-timers.mjs'],
    outputs: ['dist/src/cli.js', 'dist/cjs/testing.cjs', 'dist/esm/testing.mjs', 'dist/cjs/testing-msw.cjs', 'dist/esm/testing-msw.mjs', 'packages/client/esm/index.js', 'packages/client/cjs/index.js', 'packages/client/generated/openapi.json'],
    command: 'npm run build:code --silent',
  },
  docs: {
    // scripts/build-docs.mjs renders the bundles of `npm run generate` (generated/) with the guides of docs/,
    // and the console (scripts/build-console.mjs) with the Swagger UI that package-lock.json pins.
    inputs: ['generated', 'docs', 'CHANGELOG.md', 'redocly.yaml', 'scripts/build-docs.mjs', 'scripts/build-console.mjs', 'package-lock.json'],
    outputs: ['build/docs/index.html', 'build/docs/sandbox.html', 'build/docs/try.html'],
    command: 'npm run docs --silent',
  },
};

/** Newest modification time under a file or folder (0 when missing). */
function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Oldest output (0 when one is missing, which makes it stale). */
function oldest(paths) {
  return Math.min(...paths.map((p) => newest(join(root, p))));
}

/** The named targets whose outputs are missing or older than one of their inputs. */
export function staleTargets(names) {
  return names.filter((name) => oldest(targets[name].outputs) < Math.max(...targets[name].inputs.map((p) => newest(join(root, p)))));
}

/** Rebuilds each named target that is stale; returns the ones rebuilt. */
export function ensureBuilt(names) {
  const stale = staleTargets(names);
  for (const name of stale) execSync(targets[name].command, { cwd: root, stdio: 'inherit' });
  return stale;
}

// node scripts/ensure-built.mjs [--list] [code] [docs]: build what is stale (--list: only name it).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const names = args.filter((a) => a !== '--list');
  const chosen = names.length ? names : Object.keys(targets);
  if (args.includes('--list')) console.log(staleTargets(chosen).join(' '));
  else ensureBuilt(chosen);
}
