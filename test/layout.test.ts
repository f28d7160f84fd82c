import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/paths.js';

// The house's layers, bottom up: a folder may import from its own layer and those below it,
// never from above. The composition root (src/app) assembles the API and the sandbox, which
// both stand on the edge pieces (src/http) and the store; entries (cli, testing) sit on top.
const layers: string[][] = [
  ['paths.ts', 'timers.ts', 'command-args.ts', 'spec'],
  ['store'],
  ['http'],
  ['api', 'sandbox', 'journal'],
  ['app'],
  ['contract', 'fuzz', 'usage', 'record', 'client', 'prism.ts'],
  ['testing', 'vitest', 'dev', 'cli', 'cli.ts'],
];
const layerOf = (top: string) => layers.findIndex((names) => names.includes(top));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const src = join(packageRoot, 'src');
const topOf = (file: string) => relative(src, file).split('/')[0]!;

describe('imports run one way: parts below, the composition root on top', () => {
  const files = sources(src);

  it('knows every top-level part of src/', () => {
    const unknown = [...new Set(files.map(topOf))].filter((top) => layerOf(top) < 0);
    expect(unknown, 'a new folder of src/ needs its place in the layers of test/layout.test.ts').toEqual([]);
  });

  it('no part imports from a layer above its own', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = topOf(file);
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const to = topOf(resolve(dirname(file), spec!).replace(/\.js$/, '.ts'));
        if (layerOf(to) > layerOf(from)) upward.push(`${relative(packageRoot, file)} → ${spec}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
