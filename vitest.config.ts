import pg from 'pg';
import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';
import { mswRuntimeProblem } from './src/testing/msw.js';

// The whole suite runs twice: on SQLite, and on PostgreSQL when one is reachable at
// PG_TEST_URL. Without PostgreSQL the second run is skipped with a loud message, except
// where REQUIRE_POSTGRES=1 (CI), where its absence is an error.
const pgTestUrl = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: pgTestUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const mswProblem = mswRuntimeProblem();

// The end-to-end files: each installs packed tarballs, drives Chromium or spawns whole tool
// runs (npm run dev included), and together they take most of the suite's time. They run in a project of their own,
// `e2e` (`npm run test:e2e`), so that `npm test` answers in minutes; CI (.ci/run) runs both.
// They need no PostgreSQL: packaging and pages do not depend on the backend.
export const e2eFiles = ['test/setups/**/*.test.ts', 'test/packages.test.ts', 'test/docs/browser.test.ts', 'test/docs/console.test.ts', 'test/browser/**/*.test.ts', 'test/dev/**/*.test.ts'];

export default defineConfig(async () => {
  if (mswProblem) console.warn(`\n!! test/frontend/msw.example.test.ts is left out: ${mswProblem}\n`);
  const withPostgres = await postgresReachable();
  if (!withPostgres) {
    const message = `PostgreSQL is not reachable at ${pgTestUrl}: the PostgreSQL run of the suite is SKIPPED.`;
    if (process.env.REQUIRE_POSTGRES === '1') throw new Error(`${message} (REQUIRE_POSTGRES=1)`);
    console.warn(`\n${'!'.repeat(100)}\n!! ${message}\n!! Start it (pg_ctlcluster ... main start) or set PG_TEST_URL.\n${'!'.repeat(100)}\n`);
  }
  // Tests import `oauth-apps-api-client` from its sources (as the type-check does), not from a
  // build that may be stale; the packing test (test/packages.test.ts) checks the built package.
  const resolve = { conditions: ['@oauth-apps-api/source', ...defaultServerConditions] };
  const shared = {
    include: ['test/**/*.test.ts'],
    // test/usage/examples/ is a consumer's test (its teardown writes usage/web-app.json): test/usage/export.test.ts runs it in a folder of its own.
    // The README's MSW example uses the msw this repository develops with (3), which needs Node
    // ≥ 22.12: below that it is left out, loudly (what mswHandlers says there is tested in
    // test/testing/in-process.test.ts, msw 2 on every Node in test/setups/).
    exclude: [...configDefaults.exclude, 'test/setups/examples/**', 'test/usage/examples/**', ...(mswProblem ? ['test/frontend/msw.example.test.ts'] : [])],
    // Server tests bind real ports and spawn child processes; give them room on 2 cores.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  };
  // sqlite and postgres: a worker runs its files one after another in one module graph (vitest's
  // default, isolate, loads src/, Express, Ajv and the spec anew for every file: about 0.8 s of
  // CPU a file, 61 files a project). Each project keeps workers of its own, so TEST_STORE holds
  // for every file; stubs (vi.stubGlobal, fake timers, spies) are undone in each file's
  // afterEach. What a file shares with earlier ones is what the server shares between apps
  // anyway: the bundled spec and its compiled validators. Measured on this 2-core machine, load
  // 4–6: these two projects took 281 s isolated and 213 s not, the same 979 tests passing and 56
  // skipped. The e2e files (process.env edits, browsers) stay isolated.
  const unit = { ...shared, exclude: [...shared.exclude, ...e2eFiles], isolate: false };
  return {
    test: {
      // Two files at a time on this 2-core machine: most of a file's time is spent waiting on a
      // spawned server, a database or a child process (vitest's default would be one: cores − 1).
      // Measured on the fresh-clone CI machine, load about 2: the suite of `npm test` took 295 s
      // with one worker and 199 s with two, every test passing.
      maxWorkers: 2,
      projects: [
        { resolve, ssr: { resolve }, test: { ...unit, name: 'sqlite', env: { TEST_STORE: 'sqlite' } } },
        ...(withPostgres ? [{ resolve, ssr: { resolve }, test: { ...unit, name: 'postgres', env: { TEST_STORE: 'postgres', PG_TEST_URL: pgTestUrl } } }] : []),
        { resolve, ssr: { resolve }, test: { ...shared, include: e2eFiles, name: 'e2e', env: { TEST_STORE: 'sqlite' }, maxWorkers: 1 } }, // installs and browsers: one at a time
      ],
    },
  };
});
