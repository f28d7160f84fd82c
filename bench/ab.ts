/**
 * Before/after of one change: bare Express and two (or more) builds of the reference server,
 * alternated round by round under the same load (GET by id and PATCH; wrk, 32 connections),
 * printing req/s and server CPU µs per request (medians), and each build's ratios to bare
 * Express. How each step in README "Performance" was measured.
 *
 *   git worktree add --detach ../before HEAD~1 && (cd ../before && ln -s "$PWD/../main/node_modules" && npx tsc -p tsconfig.build.json)
 *   npm run bench:ab -- ../before/dist/src/cli.js dist/src/cli.js        [ROUNDS=5]
 *
 * An argument may carry Node options before the CLI path: "--max-semi-space-size=32 dist/src/cli.js".
 * AB_POSTGRES=postgres://… runs each build on a schema of its own in that database instead of SQLite.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, type LoadRequest } from './load.js';
import { bareExpress, cli, start, type Running } from './servers.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-ab-'));
const TOKEN = 'bench-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const id = '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8'; // the bundled seed's first app
const builds = process.argv.slice(2).length ? process.argv.slice(2) : [cli];
const rounds = Number(process.env.ROUNDS ?? 3);
function databaseUrl(i: number): string {
  if (!process.env.AB_POSTGRES) return `sqlite:${join(dir, `${i}.db`)}`;
  const url = new URL(process.env.AB_POSTGRES);
  url.searchParams.set('schema', `bench_ab_${i}_${Date.now()}`);
  return url.toString();
}

const servers: Running[] = [await start('bare Express', [bareExpress], '/healthz')];
for (const [i, build] of builds.entries()) {
  const args = [...build.split(' '), '--port', '{port}', '--token', TOKEN, '--database-url', databaseUrl(i)];
  servers.push(await start(`${i + 1}: ${build}`, args, `/v1/oauth-apps/${id}`, {}, auth));
}
const scenarios: Record<string, (s: Running) => LoadRequest> = {
  GET: (s) => ({ url: `${s.url}/v1/oauth-apps/${id}`, headers: auth }),
  PATCH: (s) => ({ url: `${s.url}/v1/oauth-apps/${id}`, method: 'PATCH', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"Renamed"}' }),
};
const results = new Map<string, { rps: number[]; cpu: number[] }>();
for (let round = 0; round < rounds; round++) {
  for (const s of servers) {
    for (const [scenario, request] of Object.entries(scenarios)) {
      if (s === servers[0] && scenario === 'PATCH') continue; // the targets compare with bare Express's GET
      if (round === 0) await load(request(s), 1, 32); // warm-up
      const r = await load(request(s), 3, 32, s.proc.pid);
      const key = `${s.name} ${scenario}`;
      if (!results.has(key)) results.set(key, { rps: [], cpu: [] });
      results.get(key)!.rps.push(r.rps);
      results.get(key)!.cpu.push(r.cpuUs);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (const [key, r] of results) {
  console.log(`${key.padEnd(48)} ${Math.round(median(r.rps)).toLocaleString('en-US').padStart(7)} req/s  ${Math.round(median(r.cpu))} µs CPU/req  (rounds: ${r.cpu.map(Math.round).join(' / ')})`);
}
const bare = results.get(`${servers[0]!.name} GET`)!;
for (const s of servers.slice(1)) {
  const ratios = Object.keys(scenarios).map((scenario) => {
    const r = results.get(`${s.name} ${scenario}`)!;
    return `${scenario} ${(median(r.rps) / median(bare.rps)).toFixed(2)}× by req/s, ${(median(bare.cpu) / median(r.cpu)).toFixed(2)}× by CPU`;
  });
  console.log(`${s.name}: ${ratios.join(' | ')} (of bare Express's GET)`);
}
for (const s of servers) await s.stop();
