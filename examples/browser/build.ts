// Bundles the example with esbuild (from the built `oauth-apps-api-client`) into build/examples/browser/
// (or another folder); `npm run example:browser` builds it and serves it on http://127.0.0.1:5173.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Writes index.html and main.js (minified, for browsers) into outDir. */
export async function buildExample(outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  await build({ entryPoints: [join(here, 'main.ts')], bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: join(outDir, 'main.js'), logLevel: 'error' });
  copyFileSync(join(here, 'index.html'), join(outDir, 'index.html'));
  return outDir;
}

const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** A static server for outDir on 127.0.0.1 (port 0: any free port); resolves with it and its origin. */
export function serveExample(outDir: string, port = 0): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path === '/' ? 'index.html' : path.slice(1);
    if (file !== 'index.html' && file !== 'main.js') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(file)]! }).end(readFileSync(join(outDir, file)));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = await buildExample(join(here, '..', '..', 'build', 'examples', 'browser'));
  const serveAt = process.argv.indexOf('--serve');
  if (serveAt === -1) console.log(`built ${outDir}`);
  else {
    const { origin } = await serveExample(outDir, Number(process.argv[serveAt + 1] ?? 5173));
    console.log(`${origin}/?api=http://127.0.0.1:3000&token=dev-token   (start the API with: API_TOKEN=dev-token npm start)`);
  }
}
