#!/usr/bin/env node
// Builds the HTML docs into build/docs/: one self-contained page per API (the renderer inlined,
// no request to any other host), each next to copies of its bundled spec for the download links.
// The pages render the bundled specs (code samples included, see
// docs/code-samples.mjs) plus the guides of docs/guides/ and, on the API page, CHANGELOG.md, read
// at build time so that an entry appended there shows without touching the spec. Beside them,
// the try-it console (try.html, scripts/build-console.mjs) for both APIs; every operation links
// to its place in the other.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { buildConsole, consoleSpec } from './build-console.mjs';

const redocly = join('node_modules', '.bin', 'redocly');

/** The pages: which API of redocly.yaml each renders, and the guides appended to its introduction. */
const pages = [
  { api: 'main', output: 'index.html', guides: ['api.md', '../../CHANGELOG.md'], prefer: true },
  { api: 'sandbox', output: 'sandbox.html', guides: ['sandbox.md'] },
];
const consolePage = 'try.html';

/**
 * Builds the pages of these APIs (none named: every page) and the console; returns a line per
 * file written. Reads redocly.yaml, the bundles and the guides afresh on each call (the
 * `--serve` mode below builds many times in one process). `warm`: render in this process (see
 * renderPage). `outDir`: where the pages go (build/docs).
 */
export async function buildDocs(only = [], { warm = false, outDir = join('build', 'docs') } = {}) {
  const chosen = only.length ? pages.filter((page) => only.includes(page.api)) : pages;
  const config = YAML.parse(readFileSync('redocly.yaml', 'utf8'));
  const redocOptions = config.openapi ?? {};
  /** `npm run generate` writes an API's bundles beside its types (x-openapi-ts.output). */
  const bundle = (api, ext) => join(dirname(config.apis[api]['x-openapi-ts'].output), `${basename(config.apis[api].root).replace(/\.ya?ml$/, '')}.${ext}`);
  const work = mkdtempSync(join(tmpdir(), 'oauth-apps-docs-'));
  mkdirSync(outDir, { recursive: true });
  // The console's copies: each bundle as the API is, before the guides and console links below.
  const consoleApis = pages.map((page) => {
    const spec = JSON.parse(readFileSync(bundle(page.api, 'json'), 'utf8'));
    return { name: page.api, spec: consoleSpec(spec, { referencePage: page.output, routes: operationRoutes(spec), prefer: page.prefer }) };
  });
  try {
    const built = await Promise.all(chosen.map(async (page) => {
      const spec = JSON.parse(readFileSync(bundle(page.api, 'json'), 'utf8'));
      linkToConsole(spec);
      const guides = page.guides.map((file) => demoteHeadings(readFileSync(join('docs', 'guides', file), 'utf8')));
      spec.info.description = [spec.info.description, ...guides].join('\n\n');
      const source = join(work, basename(bundle(page.api, 'json')));
      writeFileSync(source, JSON.stringify(spec));
      const options = { ...redocOptions, downloadUrls: ['yaml', 'json'].map((ext) => ({ title: `${ext.toUpperCase()}`, url: basename(bundle(page.api, ext)) })) };
      const output = join(outDir, page.output);
      await renderPage({ warm, source, template: join('docs', 'template.hbs'), operationRoutes: JSON.stringify(operationRoutes(spec)), redocOptions: options, output });
      inlineAttributionLogo(output);
      for (const ext of ['yaml', 'json']) copyFileSync(bundle(page.api, ext), join(outDir, basename(bundle(page.api, ext))));
      return `${output}: ${Math.round(statSync(output).size / 1024)} KiB, ${Object.keys(operationRoutes(spec)).length} operations`;
    }));
    // The console shows both APIs, whichever pages were rebuilt.
    const output = join(outDir, consolePage);
    return [...built, `${output}: ${Math.round(buildConsole(output, consoleApis) / 1024)} KiB, the console of both APIs`];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Renders one page with Redocly's `build-docs`: a CLI process, quiet unless it fails (0.7-0.9 s
 * here). `warm` (the `--serve` mode of `npm run dev`, whose output is shown only when a build
 * fails): the CLI's own command handler in this process, the same HTML byte for byte (the dev
 * test compares them), 60-100 ms a page once loaded, which is what brings a save to the open
 * page within 2 s. The CLI exports no API, so the handler is taken from the module its entry
 * point loads it from; should a release move it, the pages render through the CLI as before
 * (the dev test names the change).
 */
async function renderPage({ warm, source, template, operationRoutes, redocOptions, output }) {
  const cli = warm && (await cliHandler());
  if (cli) {
    // redocly.yaml as it is now (the CLI reads it on each run too); a save of one of its plugins
    // restarts this process (an ESM plugin is not imported twice on Node < 22.15).
    const config = await cli.loadConfig({ configPath: 'redocly.yaml', customExtends: ['recommended'] });
    await cli.handler({ argv: { api: source, o: output, inlineBundle: true, template, templateOptions: { operationRoutes }, openapi: redocOptions }, config });
    return;
  }
  const args = ['build-docs', source, '--inlineBundle', '--template', template, '--templateOptions.operationRoutes', operationRoutes, '--openapi', JSON.stringify(redocOptions), '--output', output];
  try {
    await promisify(execFile)(redocly, args, { maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    // Quiet (the CLI's banners) unless it fails.
    process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}`);
    throw new Error(`${redocly} build-docs failed`);
  }
}

let loadedHandler;
/** The CLI's build-docs handler and the config loader it expects, or null where this CLI keeps it elsewhere. */
export function cliHandler() {
  return (loadedHandler ??= (async () => {
    const require = createRequire(import.meta.url);
    const lib = join(dirname(require.resolve('@redocly/cli/package.json')), 'lib');
    const entry = readFileSync(join(lib, 'index.js'), 'utf8');
    const chunk = /\{handlerBuildCommand:[\w$]+\}=await import\("(\.\/chunks\/[\w$-]+\.js)"\)/.exec(entry)?.[1];
    const handler = chunk && (await import(pathToFileURL(join(lib, chunk)).href)).handlerBuildCommand;
    if (typeof handler !== 'function') return null;
    const { loadConfig } = await import('@redocly/openapi-core');
    return { handler, loadConfig };
  })());
}

/**
 * Each operation's route in Redoc 3's hash routing (`#/<tag>/<operationId>`), for the template to
 * open links in Redoc 2's form (`#tag/<Tag>/operation/<operationId>`, `#operation/<id>`), which
 * the docs published before used.
 */
function operationRoutes(spec) {
  const slug = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const routes = {};
  for (const item of Object.values(spec.paths)) {
    for (const op of Object.values(item)) {
      if (op?.operationId && op.tags?.length) routes[op.operationId] = `/${slug(op.tags[0])}/${op.operationId.toLowerCase()}`;
    }
  }
  return routes;
}

/** Each operation's description ends with a link to it in the console (Swagger UI's deep link: `#/<tag>/<operationId>`). */
function linkToConsole(spec) {
  for (const item of Object.values(spec.paths)) {
    for (const op of Object.values(item)) {
      if (!op?.operationId || !op.tags?.length) continue;
      op.description = `${op.description ?? ''}\n\n[Try it in the console](${consolePage}#/${encodeURIComponent(op.tags[0])}/${op.operationId})`.trim();
    }
  }
}

/**
 * Redoc 3 draws its "API docs by Redocly" attribution with an image from cdn.redoc.ly, with no
 * option to turn that off; the page must not call any other host, so the logo becomes an inline
 * SVG with the same word. Fails if the renderer stops referencing it (then drop this step).
 */
function inlineAttributionLogo(file) {
  const logo = `data:image/svg+xml,${encodeURIComponent("<svg xmlns='http://www.w3.org/2000/svg' width='72' height='18'><text x='0' y='14' font-family='sans-serif' font-size='14' font-weight='600' fill='#555'>Redocly</text></svg>")}`;
  const html = readFileSync(file, 'utf8');
  const remote = /https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(-full)?\.svg/g;
  if (!remote.test(html)) throw new Error(`${file}: the renderer no longer loads its logo from cdn.redoc.ly; remove inlineAttributionLogo()`);
  writeFileSync(file, html.replace(remote, logo));
}

/**
 * Each guide's `#` title becomes a section of the page's introduction (`##`: the one `#` of a
 * page is the API's title); deeper headings (the changelog's versions) become bold lines, as
 * the menu lists every heading and should list one entry per guide. Code fences are left alone.
 */
function demoteHeadings(markdown) {
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^(```|~~~)/.test(line)) fenced = !fenced;
      const heading = !fenced && /^(#{1,4}) /.exec(line);
      if (!heading) return line;
      const text = line.slice(heading[0].length);
      return heading[1].length === 1 ? `## ${text}` : `**${text}**`;
    })
    .join('\n');
}

// `node scripts/build-docs.mjs [api…]` builds the pages of those APIs (none: every page).
// `--serve` (npm run dev) keeps the renderer warm: each IPC message `{ id, apis }` builds those
// pages and is answered `{ id, ok, error? }`, one build at a time; the renderer's output goes
// to stdout/stderr.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--serve') {
    let queue = Promise.resolve();
    process.on('message', ({ id, apis }) => {
      queue = queue.then(async () => {
        try {
          console.log((await buildDocs(apis, { warm: true })).join('\n'));
          process.send({ id, ok: true });
        } catch (err) {
          process.send({ id, ok: false, error: err?.stack ?? String(err) });
        }
      });
    });
    process.on('disconnect', () => process.exit(0));
  } else {
    console.log((await buildDocs(process.argv.slice(2))).join('\n'));
  }
}
