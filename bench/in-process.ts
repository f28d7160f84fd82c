/**
 * npm run bench:in-process — what the in-process API (`oauth-apps-api/testing`) costs a test:
 *  1. cold: in a fresh Node process, import → createInProcessApi → the first answer of each of
 *     the 5 operations (each timed on its own; the same calls warm beside them), and where
 *     that CPU goes (self time by package, from one run under --cpu-prof);
 *  2. sequential requests per second in-process, beside the HTTP server on a socket;
 *  3. a vitest file that creates an in-process API and calls all 5 operations, and a vitest
 *     file with hand-written MSW handlers (msw `http.*` over a Map) making the same 5 calls,
 *     each against an empty test file, each run as its own `vitest run`, alternating (target:
 *     the in-process API adds no more wall time and CPU than the hand-written mock).
 * Prints figures and ratios; asserts nothing. Uses the build (dist/), as a consumer would.
 *
 *   npm run bench:in-process [-- --runs N]      (default 7 runs per cold / vitest figure)
 *
 * `benchInProcess()` is exported so `npm run bench` can run it as one of its sections.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { createOauthAppsClient } from 'oauth-apps-api-client';
import { createLogger } from '../src/http/logger.js';
import { serve } from '../src/app/serve.js';
import { createInProcessApi } from '../src/testing/index.js';
import { profileIn, selfTimeByOwner } from './profile.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const OPERATIONS = ['createOauthApp', 'getOauthApp', 'listOauthApps', 'updateOauthApp', 'deleteOauthApp'] as const;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const log = (s = '') => process.stdout.write(`${s}\n`);

interface Cold {
  importMs: number;
  createMs: number;
  totalMs: number;
  furtherMs: number;
  cpuImportMs: number;
  cpuFirstAnswersMs: number;
  first: Record<(typeof OPERATIONS)[number], number>;
  warm: Record<(typeof OPERATIONS)[number], number>;
}

async function cold(runs: number) {
  const samples: Cold[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, [join(root, 'bench/in-process/cold.mjs')], { cwd: root });
    samples.push(JSON.parse(stdout) as Cold);
  }
  const m = (pick: (c: Cold) => number) => fmt(median(samples.map(pick)), 1);
  log(`Cold, in a fresh Node process (median of ${runs}), from the build:`);
  log(`  import oauth-apps-api/testing + client   ${m((c) => c.importMs)} ms`);
  log(`  createInProcessApi({ seed: false })     ${m((c) => c.createMs)} ms`);
  for (const op of OPERATIONS) log(`  first ${op.padEnd(16)} ${m((c) => c.first[op]).padStart(8)} ms   (warm: ${m((c) => c.warm[op])} ms)`);
  log(`  import → 5th first answer               ${m((c) => c.totalMs)} ms   runs: ${samples.map((c) => fmt(c.totalMs)).join(', ')} ms`);
  log(`  a further fresh API + its 5 answers    ${m((c) => c.furtherMs)} ms   (what each beforeEach(createInProcessApi) costs)`);
  log(`  CPU: process start → imports done       ${m((c) => c.cpuImportMs)} ms   (user + system, Node's own start-up included)`);
  log(`  CPU: the five first answers            ${m((c) => c.cpuFirstAnswersMs)} ms`);
  return median(samples.map((c) => c.totalMs));
}

/** Where the cold cost goes: one cold run under `--cpu-prof`, self time by package. */
async function coldProfile() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-in-process-prof-'));
  try {
    await run(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, join(root, 'bench/in-process/cold.mjs')], { cwd: root });
    const shares = selfTimeByOwner(profileIn(dir));
    log('Where a cold run spends its CPU (one run under --cpu-prof: import, create, 5 first answers, warm round), self time by package:');
    for (const x of shares.slice(0, 12)) log(`  ${x.owner.padEnd(40)} ${fmt(x.ms).padStart(6)} ms  ${fmt(x.share * 100, 1).padStart(5)} %`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sequential GET by id (each request waits for the previous answer), for `seconds`. */
async function sequential(fetchFn: typeof fetch, baseUrl: string, token: string, seconds: number) {
  const client = createOauthAppsClient({ baseUrl, token, fetch: fetchFn });
  const { data } = await client.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: `seq-${Math.random()}`, client_secret: 's', name: 'Seq' } });
  const path = { id: data!.id };
  for (let i = 0; i < 200; i++) await client.GET('/v1/oauth-apps/{id}', { params: { path } }); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    const { response } = await client.GET('/v1/oauth-apps/{id}', { params: { path } });
    if (response.status !== 200) throw new Error(`GET answered ${response.status}`);
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

/** The server closes idle keep-alive sockets (5 s); a GET that lost that race is sent again, as bench.ts does. */
const retryGetOnce: typeof fetch = (input, init) => fetch(input, init).catch((err) => (input instanceof Request && input.method === 'GET' ? fetch(input, init) : Promise.reject(err)));

async function throughput(seconds: number, rounds: number) {
  const api = await createInProcessApi({ seed: false });
  const server = await serve({ port: 0, host: '127.0.0.1', token: 'test-token', databaseUrl: 'sqlite::memory:', logger: createLogger({ level: 'silent', destination: { write: () => true } }) });
  const inProcess: number[] = [];
  const http: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      inProcess.push(await sequential(api.fetch, 'http://api.test', 'test-token', seconds));
      http.push(await sequential(retryGetOnce, server.url, 'test-token', seconds));
    }
  } finally {
    await api.close();
    await server.close();
  }
  log(`Sequential GET /v1/oauth-apps/{id} through the typed client, one at a time (median of ${rounds} × ${seconds} s, same process):`);
  log(`  in-process fetch          ${fmt(median(inProcess))} req/s   (${fmt(1000 / median(inProcess), 2)} ms each)`);
  log(`  HTTP server (keep-alive)  ${fmt(median(http))} req/s   (${fmt(1000 / median(http), 2)} ms each)`);
  log(`  ratio in-process / HTTP   ${fmt(median(inProcess) / median(http), 2)}×`);
}

/**
 * Wall time of `vitest run <fixture>` in a fresh process, empty vs in-process, alternating;
 * with CPU time (user + system, vitest's workers included) where /usr/bin/time exists, as
 * wall time on a busy machine measures the neighbours too.
 */
async function vitestFiles(runs: number) {
  const vitest = join(root, 'node_modules/vitest/vitest.mjs');
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bench-in-process-'));
  const once = async (fixture: string) => {
    const args = [vitest, 'run', '--config', 'bench/in-process/vitest.config.ts', `bench/in-process/${fixture}.fixture.ts`];
    const out = join(dir, 'time');
    const start = performance.now();
    if (timeBin) await run(timeBin, ['-f', '%U %S', '-o', out, process.execPath, ...args], { cwd: root });
    else await run(process.execPath, args, { cwd: root });
    const wall = performance.now() - start;
    const cpu = timeBin ? readFileSync(out, 'utf8').trim().split(/\s+/).slice(-2).reduce((a, x) => a + Number(x) * 1000, 0) : NaN;
    return { wall, cpu };
  };
  await once('empty'); // warms the file system cache and Vite's dependency scan
  const fixtures = ['empty', 'in-process', 'msw'] as const;
  const samples: Record<(typeof fixtures)[number], { wall: number; cpu: number }[]> = { empty: [], 'in-process': [], msw: [] };
  let mswFailure: string | undefined;
  for (let i = 0; i < runs; i++) {
    for (const fixture of fixtures) {
      if (fixture === 'msw' && mswFailure) continue;
      try {
        samples[fixture].push(await once(fixture));
      } catch (err) {
        if (fixture !== 'msw') throw err;
        // MSW 3 needs Node 22.12 or later: on Node 20 the comparison is reported as not made.
        mswFailure = ((err as { stderr?: string }).stderr ?? String(err)).split('\n').find((l) => /Error|error/.test(l))?.trim() ?? 'failed';
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const wall = (xs: { wall: number }[]) => median(xs.map((x) => x.wall));
  const cpu = (xs: { cpu: number }[]) => median(xs.map((x) => x.cpu));
  const row = (label: string, xs: { wall: number; cpu: number }[]) =>
    log(`  ${label.padEnd(45)} wall ${fmt(wall(xs))} ms, CPU ${fmt(cpu(xs))} ms   wall runs: ${xs.map((x) => fmt(x.wall)).join(', ')}`);
  const added = wall(samples['in-process']) - wall(samples.empty);
  const addedCpu = cpu(samples['in-process']) - cpu(samples.empty);
  log(`A vitest file (vitest run, one file, fresh process each; median of ${runs}, alternating):`);
  row('empty test file', samples.empty);
  row('createInProcessApi + all 5 operations', samples['in-process']);
  if (!mswFailure) row('hand-written MSW handlers (a Map) + the same 5', samples.msw);
  log(`  added by the in-process API                   wall ${fmt(added)} ms, CPU ${fmt(addedCpu)} ms`);
  if (mswFailure) {
    log(`  added by hand-written MSW                     not measured: the MSW file failed on Node ${process.version} (${mswFailure})`);
  } else {
    const mswWall = wall(samples.msw) - wall(samples.empty);
    const mswCpu = cpu(samples.msw) - cpu(samples.empty);
    const mark = (ok: boolean) => (ok ? '✓' : '✗');
    log(`  added by hand-written MSW                     wall ${fmt(mswWall)} ms, CPU ${fmt(mswCpu)} ms`);
    log(`  in-process / hand-written MSW, what each adds  wall ${fmt(added / mswWall, 2)}×, CPU ${fmt(addedCpu / mswCpu, 2)}×   (target ≤ 1.0× on both: ${mark(added <= mswWall)} ${mark(addedCpu <= mswCpu)})`);
  }
  return added;
}

export async function benchInProcess(options: { runs?: number; seconds?: number } = {}) {
  const runs = options.runs ?? 7;
  log('In-process API (oauth-apps-api/testing)');
  log(`Node ${process.version}; load average now ${loadavg().map((x) => fmt(x, 1)).join(' ')}`);
  log('');
  await cold(runs);
  log('');
  await coldProfile();
  log('');
  await throughput(options.seconds ?? 3, 3);
  log('');
  await vitestFiles(runs);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { runs: { type: 'string' } }, args: process.argv.slice(2) });
  await benchInProcess({ runs: values.runs ? Number(values.runs) : undefined });
}
