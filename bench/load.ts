import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoadResult {
  rps: number;
  p50: number; // ms
  p99: number; // ms
  /** CPU time the server process spent per request, in µs (when its pid is known): unlike req/s, barely moved by other load on the machine. */
  cpuUs: number;
}

export interface LoadRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
export const tool = has('wrk') ? 'wrk' : 'autocannon';
/** On a multi-core machine the load generator runs on its own core, the server on another. */
export const pin = has('taskset') ? (cpu: number) => ['taskset', '-c', String(cpu)] : () => [];

const unit = (v: string) => {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 } as const)[m[2] as 'us' | 'ms' | 's'];
};

/** The /proc/<pid>/stat fields after the command name of a process and its descendants (Prism serves from a forked worker). */
function processTree(pid: number): [number, string[]][] {
  const stats = new Map<number, string[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name: state, ppid, … utime (12th), stime (13th).
      stats.set(Number(entry), readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '').split(' '));
    } catch {
      // exited meanwhile
    }
  }
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, f] of stats) if (!tree.has(p) && tree.has(Number(f[1]))) (tree.add(p), (grew = true));
  }
  return [...tree].flatMap((p) => (stats.has(p) ? [[p, stats.get(p)!] as [number, string[]]] : []));
}

/** User + system CPU time so far of a process and its descendants, in µs (Linux /proc; clock ticks are 10 ms). */
export function cpuTimeUs(pid: number): number {
  let ticks = 0;
  for (const [, f] of processTree(pid)) ticks += Number(f[11] ?? 0) + Number(f[12] ?? 0);
  return ticks * 10_000;
}

/** Resident memory of a process and its descendants, in MB. */
export function rssMb(pid: number): number {
  let kb = 0;
  for (const [p] of processTree(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return kb / 1024;
}

/** Drives one request shape for `seconds` with `connections` and reports req/s, p50, p99 and, given the server's pid, its CPU µs per request. */
export async function load(req: LoadRequest, seconds: number, connections: number, serverPid?: number): Promise<LoadResult> {
  const cpu0 = serverPid ? cpuTimeUs(serverPid) : NaN;
  const r = await drive(req, seconds, connections);
  const cpuUs = serverPid ? (cpuTimeUs(serverPid) - cpu0) / r.requests : NaN;
  return { rps: r.rps, p50: r.p50, p99: r.p99, cpuUs };
}

async function drive(req: LoadRequest, seconds: number, connections: number) {
  if (tool === 'wrk') {
    const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
    const script = join(dir, 'req.lua');
    const headers = Object.entries(req.headers ?? {}).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
    writeFileSync(script, [`wrk.method = ${JSON.stringify(req.method ?? 'GET')}`, ...headers, req.body ? `wrk.body = ${JSON.stringify(req.body)}` : ''].join('\n'));
    const [cmd, ...pre] = [...pin(1), 'wrk'];
    const out = execFileSync(cmd!, [...pre, '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, req.url], { encoding: 'utf8' });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const p50 = unit(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
    const p99 = unit(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
    const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
    if (/Non-2xx or 3xx responses:\s+(\d+)/.test(out)) throw new Error(`non-2xx responses during the load of ${req.method ?? 'GET'} ${req.url}:\n${out}`);
    return { rps, p50, p99, requests };
  }
  const { default: autocannon } = await import('autocannon');
  const r = await autocannon({ url: req.url, method: (req.method ?? 'GET') as 'GET', headers: req.headers, body: req.body, connections, duration: seconds });
  if (r.non2xx) throw new Error(`non-2xx responses during the load of ${req.url}`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total };
}
