#!/usr/bin/env node
// Writes the compatibility table of docs/testing.md (runner × environment × style × Node) from the
// reports of test/setups/runners.test.ts: node --import tsx scripts/compat-table.mjs build/setups-report-node20.json …
// (one report per Node line: .ci/node-line leaves its own in its scratch copy's build/).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cellId, tableMarkdown, withTable } from '../test/setups/cells.ts';

const readmePath = fileURLToPath(new URL('../docs/testing.md', import.meta.url));
const results = new Map();
for (const file of process.argv.slice(2)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const major = report.node.split('.')[0];
  for (const cell of report.cells) if (cell.runner !== 'tsc') results.set(`${cellId(cell)}|node${major}`, cell.result);
}
writeFileSync(readmePath, withTable(readFileSync(readmePath, 'utf8'), tableMarkdown(results)));
console.log(`docs/testing.md: table written from ${process.argv.length - 2} report(s), ${results.size} cells`);
