// tsc does not copy hand-placed .d.ts files; the built clients' declarations import
// ../../generated/*.js, so the generated types must sit beside dist/src.
import { cpSync, readdirSync } from 'node:fs';
for (const file of readdirSync('generated').filter((f) => f.endsWith('.d.ts'))) {
  cpSync(`generated/${file}`, `dist/generated/${file}`);
}
