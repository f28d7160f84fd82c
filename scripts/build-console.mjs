// Builds the try-it console, build/docs/try.html: both APIs (the contract and the sandbox's
// control plane) in Swagger UI, inlined with the page's own script and styles into one file
// that calls no other host. Requests go to the server that serves the page ("this server"),
// each reader in a sandbox namespace of their own (docs/console/console.js).
// Called by scripts/build-docs.mjs, which gives it the pages' specs and their Redoc routes.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const swaggerUi = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

/**
 * The console's copy of an API: only "this server" (the console never calls the real service),
 * each operation linked back to its place in the Redoc page, and on the contract's operations
 * the sandbox's `Prefer` header, offered with what the operation documents.
 */
export function consoleSpec(spec, { referencePage, routes, prefer }) {
  const copy = structuredClone(spec);
  copy.servers = [{ url: '/', description: 'This server (the one serving this page)' }];
  for (const item of Object.values(copy.paths)) {
    // Swagger UI leaves a path item's referenced parameters unnamed in OpenAPI 3.1 documents:
    // each operation gets them, resolved, in its own list.
    const shared = (item.parameters ?? []).map((p) => resolve(copy, p));
    delete item.parameters;
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      op.parameters = [...shared, ...(op.parameters ?? [])];
      delete op['x-codeSamples']; // Swagger UI shows its own curl, of the request actually sent
      op.description = `${op.description ?? ''}\n\n[Read in the reference](${referencePage}#${routes[op.operationId]})`.trim();
      if (prefer) op.parameters.push(preferParameter(copy, op));
    }
  }
  return copy;
}

/**
 * `Prefer` as the sandbox reads it (openapi/sandbox.yaml). Its examples are a menu: the real
 * answer first (empty, so nothing is steered unless chosen), then each documented error status,
 * the named examples `code=` does not reach, and a delay.
 */
function preferParameter(spec, op) {
  const examples = { real: { summary: 'The real answer (nothing steered)', value: '' } };
  for (const [status, rawResponse] of Object.entries(op.responses)) {
    const response = resolve(spec, rawResponse);
    if (!/^2/.test(status)) examples[`code${status}`] = { summary: `${status}: ${response.description}`, value: `code=${status}` };
  }
  // A named example where `code=` alone would not reach it: a success's, or one of several.
  for (const [status, rawResponse] of Object.entries(op.responses)) {
    const names = Object.keys(resolve(spec, rawResponse).content?.['application/json']?.examples ?? {});
    if (!/^2/.test(status) && names.length < 2) continue;
    for (const name of names) examples[`example-${name}`] = { summary: `${status}: its example ${name}`, value: `example=${name}` };
  }
  examples.delay = { summary: 'The real answer, 800 ms late', value: 'delay=800' };
  return {
    name: 'Prefer',
    in: 'header',
    required: false,
    description:
      'Sandbox only: steers the answer. `code=429` answers that documented status with its example body, `example=<name>` a named example, `delay=800` waits 800 ms first; combine them with commas (`code=404, delay=500`). An undocumented code is a 422.',
    schema: { type: 'string' },
    examples,
  };
}

function resolve(spec, node) {
  if (!node?.$ref) return node;
  const target = node.$ref.slice(2).split('/').reduce((n, part) => n?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  return resolve(spec, target);
}

/** Writes the page; returns its size in bytes. */
export function buildConsole(output, apis) {
  const read = (file) => readFileSync(file, 'utf8');
  // Inline scripts end at the first "</script"; JSON in a script tag must not contain "<" either.
  const script = (code) => `<script>${code.replace(/<\/(script)/gi, '<\\/$1')}</script>`;
  const data = (id, value) => `<script type="application/json" id="${id}">${JSON.stringify(value).replace(/</g, '\\u003c')}</script>`;
  const html = read(join('docs', 'console', 'console.html'))
    .replace('<!-- styles -->', () => `<style>${read(join(swaggerUi, 'swagger-ui.css'))}</style>\n<style>${read(join('docs', 'console', 'console.css'))}</style>`)
    .replace(
      '<!-- scripts -->',
      () => [...apis.map((api) => data(`spec-${api.name}`, api.spec)), script(read(join(swaggerUi, 'swagger-ui-bundle.js'))), script(read(join('docs', 'console', 'console.js')))].join('\n'),
    );
  writeFileSync(output, html);
  return Buffer.byteLength(html);
}
