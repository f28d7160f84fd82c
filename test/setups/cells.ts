// The cells of the runner × environment × Node × MSW matrix (test/setups/), the failures known
// and explained (not the kit's: each says where it comes from and what to do), and the README's
// compatibility table, which scripts/compat-table.mjs writes from the runs' reports.
export interface Cell {
  runner: 'vitest' | 'jest-cjs' | 'jest-esm' | 'tsc';
  env: string;
  style: string;
  msw?: 2 | 3;
  ts?: string;
}
export interface CellResult extends Cell {
  result: string;
  ms: number;
}

export const cellId = (c: Cell) => `${c.runner}|${c.env}|${c.style}${c.msw ? ` ${c.msw}` : ''}`;

/** The failures known, each with its mark in the README's table and what it means. */
export const KNOWN = {
  'msw-cjs': {
    mark: 'a',
    text: "msw 3 is ES modules only (and reads import.meta), which Jest's CommonJS mode can neither load nor compile to CommonJS here: use msw 2 there (with the two transform lines of the CommonJS config above), Jest's ESM mode, or vitest",
  },
  'no-broadcast-channel': { mark: 'b', text: "msw needs BroadcastChannel, which @happy-dom/jest-environment does not have (happy-dom in vitest is fine; so is the injected fetch in Jest's happy-dom)" },
  'msw3-node': { mark: 'c', text: 'msw 3 needs Node ≥ 22.12: `mswHandlers()` rejects at once saying so; use msw 2 there' },
} as const;
export type Known = keyof typeof KNOWN;

export function knownOutcome(cell: Cell, failure: string): Known | undefined {
  if (cell.runner === 'jest-cjs' && cell.msw === 3 && /Must use import to load ES Module: \S*node_modules\/(msw|rettime)\/|Cannot find module 'msw\/node'/.test(failure)) return 'msw-cjs';
  if (cell.runner.startsWith('jest') && cell.env === 'happy-dom' && cell.style === 'msw' && /BroadcastChannel is not defined/.test(failure)) return 'no-broadcast-channel';
  if (cell.msw === 3 && /mswHandlers\(\): msw 3\.\S+ needs Node 22\.12\.0 or later/.test(failure)) return 'msw3-node';
  return undefined;
}

export const NODES = [20, 22, 24] as const;
export const RUNNERS = { vitest: 'vitest 4', 'jest-cjs': 'Jest 30, CommonJS (ts-jest)', 'jest-esm': 'Jest 30, ESM (--experimental-vm-modules)' } as const;
export const ENVS = { jsdom: 'jsdom', 'happy-dom': 'happy-dom' } as const;
export const STYLES = [
  ['fetch', undefined, 'injected fetch'],
  ['msw', 2, 'MSW 2'],
  ['msw', 3, 'MSW 3'],
] as const;

const render = (result: string | undefined) => (result === undefined ? '–' : result === 'pass' ? '✓' : result in KNOWN ? `✗ (${KNOWN[result as Known].mark})` : '✗');

/** The table's Markdown, from the results of each Node line (cellId|node<major> → result). */
export function tableMarkdown(results: Map<string, string>): string {
  const rows = ['| runner | environment | style | ' + NODES.map((n) => `Node ${n}`).join(' | ') + ' |', '|---|---|---|' + NODES.map(() => '---|').join('')];
  for (const [runner, runnerName] of Object.entries(RUNNERS)) {
    for (const [env, envName] of Object.entries(ENVS)) {
      for (const [style, msw, styleName] of STYLES) {
        const id = cellId({ runner: runner as Cell['runner'], env, style, ...(msw ? { msw } : {}) });
        rows.push(`| ${runnerName} | ${envName} | ${styleName} | ${NODES.map((n) => render(results.get(`${id}|node${n}`))).join(' | ')} |`);
      }
    }
  }
  const notes = Object.values(KNOWN).map((k) => `(${k.mark}) ${k.text}.`);
  return `${rows.join('\n')}\n\n${notes.join('\n')}\n`;
}

const START = '<!-- compat-table: written by scripts/compat-table.mjs from the runs of test/setups/ -->\n';
const END = '<!-- /compat-table -->';

/** The README's table, parsed back: cellId|node<major> → result. */
export function readmeTable(readme: string): Map<string, string> {
  const table = new Map<string, string>();
  const start = readme.indexOf(START);
  if (start < 0) return table;
  const body = readme.slice(start + START.length, readme.indexOf(END, start));
  const byMark = new Map(Object.entries(KNOWN).map(([key, k]) => [`✗ (${k.mark})`, key]));
  const names = (o: Record<string, string>) => new Map(Object.entries(o).map(([k, v]) => [v, k]));
  const runners = names(RUNNERS);
  const envs = names(ENVS);
  for (const line of body.split('\n').slice(2)) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 3 + NODES.length) continue;
    const style = STYLES.find((s) => s[2] === cells[2]);
    if (!style || !runners.has(cells[0]!) || !envs.has(cells[1]!)) continue;
    const id = cellId({ runner: runners.get(cells[0]!) as Cell['runner'], env: envs.get(cells[1]!)!, style: style[0], ...(style[1] ? { msw: style[1] } : {}) });
    NODES.forEach((n, i) => {
      const mark = cells[3 + i]!;
      if (mark !== '–') table.set(`${id}|node${n}`, mark === '✓' ? 'pass' : (byMark.get(mark) ?? 'fail'));
    });
  }
  return table;
}

/** The README with its table replaced (or put after `after` when it has none yet). */
export function withTable(readme: string, markdown: string): string {
  const start = readme.indexOf(START);
  if (start < 0) throw new Error('docs/testing.md has no compat-table marker');
  const end = readme.indexOf(END, start);
  return readme.slice(0, start + START.length) + markdown + readme.slice(end);
}
