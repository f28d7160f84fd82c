#!/usr/bin/env node
// After tsc (npm run build:code): what `oauth-apps-api/testing` and `/testing/msw` need beyond
// tsc's output.
//
// Bundles of the entries, ES module and CommonJS, for the test runners that load packages
// their own way: Jest in its CommonJS mode (ts-jest, babel-jest) and in its ESM mode
// (--experimental-vm-modules), require() on Node 20. In each: the kit's own modules, and
// light-my-request with cookie@2, an ES-module-only package that light-my-request `require()`s
// (fine on Node ≥ 22.12, not on Node 20 nor in Jest's module system, in either mode). Every
// other dependency stays external, loaded from node_modules as usual; msw too, as the peer it
// is (msw 2 has a CommonJS build; msw 3 is ES modules only).
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const bundled = new Set(['light-my-request']);
const external = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)].filter((name) => !bundled.has(name));
const common = {
  // oauth-apps-api/testing, and oauth-apps-api/testing/msw (the MSW handlers, typed as msw's:
  // an entry of their own so that /testing's types never name msw, an optional peer).
  entryPoints: { testing: `${root}src/testing/index.ts`, 'testing-msw': `${root}src/testing/msw.ts` },
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
  outdir: `${root}dist/esm`,
  outExtension: { '.js': '.mjs' },
  format: 'esm',
  // light-my-request's require() of Node built-ins, in an ES module.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
await build({
  ...common,
  outdir: `${root}dist/cjs`,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // import() of a package (msw, yaml) as require(): Jest's CommonJS mode runs no dynamic import
  // (without --experimental-vm-modules), and a CommonJS consumer's own require('msw/node') gets
  // the same build of msw (its CommonJS one for msw 2) as the handlers the kit makes with it.
  supported: { 'dynamic-import': false },
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
// msw 3 is ES modules only: a CommonJS consumer under node16/nodenext may import its types only
// as an ES module's (TS1541 otherwise). msw 2's ESM types are the same as its CommonJS ones.
const mswTypes = `${types}/testing/msw.d.ts`;
const mswImport = "from 'msw';";
if (!readFileSync(mswTypes, 'utf8').includes(mswImport)) throw new Error(`${mswTypes}: no import from 'msw' to mark`);
writeFileSync(mswTypes, readFileSync(mswTypes, 'utf8').replace(mswImport, "from 'msw' with { 'resolution-mode': 'import' };"));
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
