// The package's copy of the generated files: the repository keeps them once, at the top-level
// generated/ (produced and checked by `npm run generate`); the package ships them in its own
// generated/ (its exports and its declarations point there), copied when it is built or packed
// and whenever `npm run generate` writes them. The copy is never edited nor committed.
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = new URL('.', import.meta.url);

export function copyGenerated() {
  const to = fileURLToPath(new URL('generated', here));
  rmSync(to, { recursive: true, force: true });
  cpSync(fileURLToPath(new URL('../../generated', here)), to, { recursive: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) copyGenerated();
