/**
 * npm run bench:filters — what a multi-key `metadata` filter costs the store, by number of
 * apps (#24 §2): `store.list()` timed directly, on SQLite (a file, as the server uses) and on
 * PostgreSQL. On SQLite that time is the event loop held: nothing else is served meanwhile.
 * Prints figures; asserts nothing.
 *
 *   npm run bench:filters [-- --sizes 1000,2000,4000,8000,16000,100000] [-- --cap-s 10] [-- --postgres [URL]]   (--postgres last: its URL is optional)
 *
 * For a before/after, run it once with the old src/store/sqlite.ts checked out
 * (`git show <before>:src/store/sqlite.ts > src/store/sqlite.ts`, then `git checkout src/store/sqlite.ts`).
 * A filter whose run took longer than --cap-s is not run at the larger sizes (the old plan's
 * list 1 × list 2 would take hours at 100 000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openStore } from '../src/store/index.js';
import type { Metadata, OauthAppStore } from '../src/store/types.js';

const { values: flags } = parseArgs({ options: { sizes: { type: 'string' }, postgres: { type: 'string' }, 'cap-s': { type: 'string' } }, args: process.argv.slice(2), strict: false });
const sizes = (typeof flags.sizes === 'string' ? flags.sizes : '1000,2000,4000,8000,16000,100000').split(',').map(Number);
const capMs = Number(typeof flags['cap-s'] === 'string' ? flags['cap-s'] : 10) * 1000;
const pgUrl = flags.postgres === undefined ? undefined : typeof flags.postgres === 'string' && flags.postgres ? flags.postgres : (process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-filters-'));
const log = (s = '') => process.stdout.write(`${s}\n`);
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/**
 * App i of n: a, b, c on every app (the issue's shape: keys all apps share); x on the even
 * apps and y on the odd ones, except 100 "targets" (every n/100th) which have both and
 * `bench: "target"`.
 */
function metadataOf(i: number, n: number): Metadata {
  const target = i % Math.floor(n / 100) === 0 && i / Math.floor(n / 100) < 100;
  return { a: 1, b: 1, c: 1, x: i % 2 === 0 || target ? 1 : 0, y: i % 2 === 1 || target ? 1 : 0, bench: target ? 'target' : 'other' };
}

const FILTERS: Record<string, { metadata: Metadata; result: (n: number) => number }> = {
  '1 key, all share': { metadata: { a: 1 }, result: (n) => n },
  '2 keys, all share': { metadata: { a: 1, b: 1 }, result: (n) => n },
  '3 keys, all share': { metadata: { a: 1, b: 1, c: 1 }, result: (n) => n },
  '2 keys, half share each, 100 in common': { metadata: { x: 1, y: 1 }, result: () => 100 },
  '3 keys, one rare (100), two all share': { metadata: { bench: 'target', a: 1, b: 1 }, result: () => 100 },
};

async function populate(store: OauthAppStore, n: number) {
  const t0 = performance.now();
  const batch: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    batch.push(store.create({ provider: 'stripe', client_id: `filters-${i}`, client_secret: 's', name: `App ${i}`, metadata: metadataOf(i, n) }));
    if (batch.length === 50) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  return performance.now() - t0;
}

/** Median of 5 runs (1 when a run takes over a second: the figure is then plain enough). */
async function time(store: OauthAppStore, metadata: Metadata, expected: number) {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const got = await store.list({ metadata });
    runs.push(performance.now() - t0);
    if (got.length !== expected) throw new Error(`${JSON.stringify(metadata)} returned ${got.length} apps, expected ${expected}`);
    if (runs[0]! > 1000) break;
  }
  return [...runs].sort((x, y) => x - y)[Math.floor(runs.length / 2)]!;
}

async function dropSchema(schema: string) {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

async function main() {
  const backends: Record<string, (n: number) => string> = { SQLite: (n) => `sqlite:${join(dir, `filters-${n}.db`)}` };
  if (pgUrl) {
    backends.PostgreSQL = (n) => {
      const url = new URL(pgUrl);
      url.searchParams.set('schema', `bench_filters_${n}_${Date.now()}`);
      return url.toString();
    };
  }
  log(`# metadata filter times — ${new Date().toISOString()}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  log();
  log(`| apps | filter | result | ${Object.keys(backends).map((b) => `${b} ms`).join(' | ')} |`);
  log(`|---:|---|---:|${Object.keys(backends).map(() => '---:').join('|')}|`);
  const capped = new Set<string>();
  for (const n of sizes) {
    const cells: Record<string, Record<string, string>> = {};
    const loaded: string[] = [];
    for (const [backend, urlFor] of Object.entries(backends)) {
      const url = urlFor(n);
      const store = await openStore(url);
      loaded.push(`${backend} ${fmt((await populate(store, n)) / 1000, 1)} s`);
      for (const [name, f] of Object.entries(FILTERS)) {
        const key = `${backend} ${name}`;
        if (capped.has(key)) {
          (cells[name] ??= {})[backend] = `not run (> ${fmt(capMs / 1000)} s at a smaller size)`;
          continue;
        }
        const ms = await time(store, f.metadata, f.result(n));
        if (ms > capMs) capped.add(key);
        (cells[name] ??= {})[backend] = fmt(ms, ms < 100 ? 2 : 0);
      }
      await store.close();
      if (backend === 'SQLite') rmSync(url.slice('sqlite:'.length), { force: true });
      else await dropSchema(new URL(url).searchParams.get('schema')!);
    }
    for (const [name, f] of Object.entries(FILTERS)) log(`| ${fmt(n)} | ${name} | ${fmt(f.result(n))} | ${Object.keys(backends).map((b) => cells[name]![b]).join(' | ')} |`);
    log(`|  | (loaded in ${loaded.join(', ')}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}) | | |`);
  }
}

main()
  .catch((err) => {
    process.stderr.write(`bench:filters failed: ${(err as Error).stack}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
