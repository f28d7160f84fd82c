import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

export interface ChildServer {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** The built CLI (`npm test` builds before vitest) as a real process, on a free port. */
export async function startChildServer(args: { databaseUrl: string; token: string; extra?: string[]; env?: Record<string, string>; seed?: boolean }): Promise<ChildServer> {
  const child = spawn(process.execPath, [join(packageRoot, 'dist', 'src', 'cli.js'), '--port', '0', ...(args.seed ? [] : ['--no-seed']), '--token', args.token, '--database-url', args.databaseUrl, '--log-level', 'warn', ...(args.extra ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', ...args.env },
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c));
  child.stderr!.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000);
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) (clearTimeout(timer), child.stdout!.off('data', onData), resolve(m[1]!));
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => (clearTimeout(timer), reject(new Error(`server exited (${code}):\n${out}`))));
  });
  return { url, child, output: () => out, exited };
}

/**
 * Ends a child spawned with `detached: true` together with its whole process group: a server
 * started through `npm start` or `npx` is npm's grandchild, which killing npm alone leaves running.
 */
export function stopProcessGroup(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    // already gone
  }
}
