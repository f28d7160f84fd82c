// Builds the package twice from the same sources: esm/ (import) and cjs/ (require), each with
// its declarations, so every moduleResolution (bundler, nodenext, node10) and both module
// systems find JS and types that agree. cjs/package.json makes Node and TypeScript read the
// files there as CommonJS despite the package's "type": "module".
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { copyGenerated } from './copy-generated.mjs';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const here = new URL('.', import.meta.url);
copyGenerated(); // ../../generated → ./generated, which the declarations import and the package ships
for (const dir of ['esm', 'cjs']) rmSync(new URL(dir, here), { recursive: true, force: true });
for (const config of ['tsconfig.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', new URL(config, here).pathname], { stdio: 'inherit' });
}
writeFileSync(new URL('cjs/package.json', here), '{ "type": "commonjs" }\n');
