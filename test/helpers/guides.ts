import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

/**
 * The README and the guides it links (docs/*.md), in reading order: README first, then the
 * guides by name. The README tests read them as one text, so a section moved between them is
 * still run.
 */
export const guideFiles = ['README.md', ...readdirSync(join(packageRoot, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

export function readGuides(): string {
  return guideFiles.map((file) => readFileSync(join(packageRoot, file), 'utf8')).join('\n');
}
