import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';

// The README's frontend examples are these test files, verbatim: each code block preceded by
// `<!-- test/… -->` must equal that file, so an example that stops working fails CI.
const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/<!-- (test\/[\w./-]+) -->\n```ts\n([\s\S]*?)```\n/g)].map(([, file, code]) => ({ file: file!, code: code! }));

it('shows both frontend examples, each identical to its test file', () => {
  expect(blocks.map((b) => b.file)).toEqual(['test/frontend/in-process.example.test.ts', 'test/frontend/msw.example.test.ts']);
  for (const { file, code } of blocks) expect(code, `README block for ${file}`).toBe(readFileSync(join(packageRoot, file), 'utf8'));
});
