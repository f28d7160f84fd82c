#!/usr/bin/env node
// After tsc (npm run build:code): what `oauth-apps-api/testing` needs beyond tsc's output.
//
// Its declarations import msw's types, and msw is an optional peer dependency: a consumer
// without msw, type-checking with `skipLibCheck: false`, would get TS2307 for a package it does
// not use. tsc drops the `// @ts-ignore` of the source from the .d.ts it emits, so it is put
// back here, on the one line that imports from msw (the types are then `any` without msw, and
// msw's own with it).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const mswTypes = `${root}dist/src/testing/msw.d.ts`;
const ignore = '// @ts-ignore: msw is an optional peer dependency (without it, these types are `any`)';
const lines = readFileSync(mswTypes, 'utf8').split('\n');
const importing = lines.filter((line) => /from 'msw'/.test(line));
if (importing.length !== 1 || !importing[0].startsWith('import type ')) throw new Error(`${mswTypes}: expected one \`import type … from 'msw'\` line, found ${importing.length}`);
writeFileSync(mswTypes, lines.flatMap((line) => (line === importing[0] ? [ignore, line] : [line])).join('\n'));

// Bundles of the entry, ES module and CommonJS, for the test runners that load packages
// their own way: Jest in its CommonJS mode (ts-jest, babel-jest) and in its ESM mode
// (--experimental-vm-modules), require() on Node 20. In each: the kit's own modules, and
// light-my-request with cookie@2, an ES-module-only package that light-my-request `require()`s
// (fine on Node ≥ 22.12, not on Node 20 nor in Jest's module system, in either mode). Every
// other dependency stays external, loaded from node_modules as usual; msw too, as the peer it
// is (msw 2 has a CommonJS build; msw 3 is ES modules only).
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const bundled = new Set(['light-my-request']);
const external = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)].filter((name) => !bundled.has(name));
const common = {
  entryPoints: [`${root}src/testing/index.ts`],
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: external.flatMap((name) => [name, `${name}/*`]),
  // Node's own timers for everything bundled (light-my-request's setImmediate, the sandbox's
  // sweeper): in Jest's jsdom environment the globals are the window's (no setImmediate at all),
  // and under jest.useFakeTimers() they never fire unless the test advances them.
  inject: [`${root}scripts/node-timers.mjs`],
  // No source map: its sources would name light-my-request's files where npm put them here,
  // not where a consumer's install puts them. The kit's own code reads as it is in src/.
  logLevel: 'warning',
};
for (const dir of ['dist/cjs', 'dist/esm']) rmSync(`${root}${dir}`, { recursive: true, force: true });
await build({
  ...common,
  outfile: `${root}dist/esm/testing.mjs`,
  format: 'esm',
  // light-my-request's require() of Node built-ins, in an ES module.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
await build({
  ...common,
  outfile: `${root}dist/cjs/testing.cjs`,
  format: 'cjs',
  // The kit finds its files (seed, spec, SQLite driver) from import.meta.url; in CommonJS that is __filename.
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// Its types: tsc's declarations, in a folder whose package.json makes them CommonJS ones (a
// `require` consumer under moduleResolution node16/nodenext must not see ES module types).
const types = `${root}dist/cjs/types`;
cpSync(`${root}dist/src`, types, { recursive: true, filter: (src) => !src.endsWith('.js') && !src.endsWith('.map') });
mkdirSync(types, { recursive: true });
writeFileSync(`${types}/package.json`, '{ "type": "commonjs" }\n');
for (const entry of readdirSync(types, { recursive: true, withFileTypes: true })) if (entry.isDirectory() && readdirSync(`${entry.parentPath}/${entry.name}`).length === 0) rmSync(`${entry.parentPath}/${entry.name}`, { recursive: true });

// The kit's root and /sandbox re-export the client package; for `require` (and CommonJS
// types under node16/nodenext), they re-export its CommonJS build.
for (const [name, from] of [
  ['index', 'oauth-apps-api-client'],
  ['sandbox', 'oauth-apps-api-client/sandbox'],
]) {
  writeFileSync(`${root}dist/cjs/${name}.cjs`, `module.exports = require('${from}');\n`);
  writeFileSync(`${root}dist/cjs/${name}.d.cts`, `export * from '${from}';\n`);
}
