import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { readGuides } from '../helpers/guides.js';

// The frontend examples of the README and its guides are these test files, verbatim: each code block preceded by
// `<!-- test/… -->` must equal that file, so an example that stops working fails CI.
const readme = readGuides();
const blocks = [...readme.matchAll(/<!-- (test\/[\w./-]+) -->\n```(?:ts|js)\n([\s\S]*?)```\n/g)].map(([, file, code]) => ({ file: file!, code: code! }));

// The Jest ones (test/setups/examples/) run in a packed consumer project: test/setups/runners.test.ts.
it('shows the frontend examples (vitest and Jest, each style), each identical to its test file', () => {
  expect(blocks.map((b) => b.file)).toEqual([
    'test/frontend/in-process.example.test.ts',
    'test/frontend/msw.example.test.ts',
    'test/setups/examples/jest-cjs/jest.config.js',
    'test/setups/examples/jest-cjs/in-process.test.ts',
    'test/setups/examples/jest-cjs/msw.test.ts',
    'test/setups/examples/jest-esm/jest.config.mjs',
    'test/setups/examples/jest-esm/in-process.test.mjs',
    'test/setups/examples/jest-esm/msw.test.mjs',
    'test/journal/verify.example.test.ts',
    'test/journal/e2e.example.test.ts',
    'test/usage/examples/web-app.test.ts',
  ]);
  for (const { file, code } of blocks) expect(code, `README block for ${file}`).toBe(readFileSync(join(packageRoot, file), 'utf8'));
});
