// tsc does not copy hand-placed .d.ts files; the built client's declarations import
// ../../generated/schema.js, so the generated types must sit beside dist/src.
import { cpSync } from 'node:fs';
cpSync('generated/schema.d.ts', 'dist/generated/schema.d.ts');
