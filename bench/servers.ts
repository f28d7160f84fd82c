import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { packageRoot } from '../src/paths.js';
import { pin, rssMb } from './load.js';

export interface Running {
  name: string;
  url: string;
  proc: ChildProcess;
  /** Process start to first 200 on the readiness URL, in ms. */
  startMs: number;
  /** Resident memory of the process and its descendants, in MB. */
  rssMb(): number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts a server process on CPU 0 and waits for `ready` to answer 200. */
export async function start(name: string, args: string[], readyPath: string, env: Record<string, string> = {}, readyHeaders: Record<string, string> = {}): Promise<Running> {
  const port = await freePort();
  const [cmd, ...pre] = [...pin(0), process.execPath];
  const t0 = performance.now();
  const proc = spawn(cmd!, [...pre, ...args.map((a) => a.replace('{port}', String(port)))], {
    stdio: 'ignore',
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), ...env },
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}`);
    try {
      const res = await fetch(url + readyPath, { headers: readyHeaders });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > 60_000) {
      proc.kill('SIGKILL');
      throw new Error(`${name} did not answer 200 on ${readyPath} within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const startMs = performance.now() - t0;
  return {
    name,
    url,
    proc,
    startMs,
    rssMb: () => rssMb(proc.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export const cli = join(packageRoot, 'dist', 'src', 'cli.js');
export const bareExpress = join(packageRoot, 'bench', 'bare-express.mjs');
export function prismBin(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@stoplight/prism-cli/package.json');
  return join(dirname(pkg), (require(pkg) as { bin: { prism: string } }).bin.prism);
}
