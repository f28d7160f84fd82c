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
