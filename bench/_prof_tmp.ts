import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from './load.js';
import { profileIn, selfTimeByOwner } from './profile.js';
import { cli, start } from './servers.js';
const TOKEN = 'bench-token';
const auth = { Authorization: `Bearer ${TOKEN}` };
const extra = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'p-'));
const profDir = mkdtempSync(join(tmpdir(), 'prof-'));
const s = await start('p', ['--cpu-prof', '--cpu-prof-dir', profDir, cli, '--port', '{port}', '--token', TOKEN, '--database-url', process.env.DB ?? `sqlite:${join(dir, 'x.db')}`, ...extra], '/healthz');
const list = await (await fetch(`${s.url}/v1/oauth-apps`, { headers: auth })).json() as { data: { id: string }[] };
const id = list.data[0]!.id;
const r = await load({ url: `${s.url}/v1/oauth-apps/${id}`, headers: auth }, 8, 16, s.proc.pid);
await s.stop();
console.log('rps', r.rps);
const f = profileIn(profDir);
for (const x of selfTimeByOwner(f, s.startMs + 500).slice(0, 25)) console.log(x.owner.padEnd(50), (x.share * 100).toFixed(1));
// by function
const p = JSON.parse(readFileSync(f, 'utf8'));
const byId = new Map(p.nodes.map((n: any) => [n.id, n]));
const tot = new Map<string, number>(); let all = 0;
for (let i = 0; i < p.samples.length; i++) { const n: any = byId.get(p.samples[i]); const k = `${n.callFrame.functionName} ${n.callFrame.url.replace(/.*node_modules\//, '').replace(/.*\/src\//, 'src/')}:${n.callFrame.lineNumber}`; if (n.callFrame.functionName === '(idle)') continue; tot.set(k, (tot.get(k) ?? 0) + p.timeDeltas[i]); all += p.timeDeltas[i]; }
console.log('--- by function');
for (const [k, v] of [...tot].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(k.slice(0, 90).padEnd(90), (v / all * 100).toFixed(1));
// inclusive by frame (kit journal + store journal + GC attributions)
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inc = new Map<string, number>();
for (let i = 0; i < p.samples.length; i++) {
  const seen = new Set<string>();
  let id: number | undefined = p.samples[i];
  while (id !== undefined) { const n: any = byId.get(id); const u = n.callFrame.url; if (/journal|sqlite-journal/.test(u)) seen.add(`${n.callFrame.functionName}@${u.replace(/.*\/src\//, '')}:${n.callFrame.lineNumber}`); id = parent.get(id); }
  for (const k of seen) inc.set(k, (inc.get(k) ?? 0) + p.timeDeltas[i]);
}
console.log('--- inclusive (journal frames)');
for (const [k, v] of [...inc].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(k.padEnd(70), (v / all * 100).toFixed(1));
