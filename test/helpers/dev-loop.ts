// `npm run dev` as a user runs it, in a throwaway copy of the repository (saves there never touch
// this checkout's spec, bundles or docs), on free ports; used by test/dev/ and bench/dev-loop.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { stopProcessGroup } from './child.js';
import { freePort } from './prism.js';

/** What the dev loop reads and writes; node_modules is linked, not copied. */
const COPIED = ['openapi', 'src', 'scripts', 'docs', 'fixtures', 'packages/client', 'package.json', 'redocly.yaml', 'CHANGELOG.md', 'tsconfig.json'];

/**
 * A copy of the repository whose node_modules links to this one's packages, except the
 * workspace link `oauth-apps-api-client`, which points at the copy's own client package (where
 * the dev loop writes the bundles the server reads).
 */
export function devCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-dev-'));
  for (const path of COPIED) {
    cpSync(join(packageRoot, path), join(dir, path), { recursive: true, filter: (src) => !src.includes(`${join('packages', 'client', 'node_modules')}`) });
  }
  const modules = join(packageRoot, 'node_modules');
  mkdirSync(join(dir, 'node_modules'));
  for (const name of readdirSync(modules)) {
    if (name === 'oauth-apps-api-client') continue;
    symlinkSync(join(modules, name), join(dir, 'node_modules', name));
  }
  symlinkSync(join('..', 'packages', 'client'), join(dir, 'node_modules', 'oauth-apps-api-client'));
  return dir;
}

export interface DevLoop {
  dir: string;
  api: string;
  mock: string;
  livereload: string;
  token: string;
  /** Everything the loop printed so far. */
  output(): string;
  /** Resolves once the output (from now on) matches `pattern`; rejects after `timeoutMs`. */
  printed(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Writes a file of the copy (path relative to it), as an editor's save does. */
  save(path: string, content: string): void;
  read(path: string): string;
  stop(): Promise<void>;
}

/** Starts `npm run dev` in a fresh copy and resolves once it prints where everything is. */
export async function startDevLoop(): Promise<DevLoop> {
  const dir = devCopy();
  const [port, mockPort, livereloadPort] = [await freePort(), await freePort(), await freePort()];
  const token = 'dev-loop-test-token';
  const child: ChildProcess = spawn('npm', ['run', 'dev', '--silent'], {
    cwd: dir,
    detached: true, // npm's child (the loop) and its children (the server) stop with the group
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), MOCK_PORT: String(mockPort), LIVERELOAD_PORT: String(livereloadPort), API_TOKEN: token, HOST: '127.0.0.1' },
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const printed = (pattern: RegExp, timeoutMs = 30_000) => {
    const from = out.length;
    return new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(out.slice(from));
        if (match) (done(), resolve(match[0]));
      };
      const timer = setTimeout(() => (done(), reject(new Error(`dev loop did not print ${pattern} within ${timeoutMs} ms:\n${out}`))), timeoutMs);
      const done = () => (clearTimeout(timer), listeners.delete(check));
      listeners.add(check);
      void exited.then(() => (done(), reject(new Error(`dev loop exited:\n${out}`))));
      check();
    });
  };

  const loop: DevLoop = {
    dir,
    api: `http://127.0.0.1:${port}`,
    mock: `http://127.0.0.1:${mockPort}`,
    livereload: `http://127.0.0.1:${livereloadPort}`,
    token,
    output: () => out,
    printed,
    save: (path, content) => writeFileSync(join(dir, path), content),
    read: (path) => readFileSync(join(dir, path), 'utf8'),
    stop: async () => {
      stopProcessGroup(child);
      await exited;
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await printed(/watching .*Ctrl-C stops/, 120_000);
  } catch (err) {
    await loop.stop();
    throw err;
  }
  return loop;
}
