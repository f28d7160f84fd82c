/**
 * The peers a frontend team would reach for instead of this kit: json-server 0.17 (a stateful
 * REST mock over a JSON file) and Mockoon CLI 9 (a mock imported from the OpenAPI document).
 * The bench installs them into a cache folder of their own, once — never into the project's
 * package.json or node_modules — and starts them like the other servers (bench/servers.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { start, type Running } from './servers.js';

/** What is installed; the major version is what a `npm i @mockoon/cli` user gets today. */
const WANTED = { 'json-server': (v: string) => v === '0.17.4', '@mockoon/cli': (v: string) => v.startsWith('9.') } as const;
const SPECS = ['json-server@0.17.4', '@mockoon/cli@9'];
export const peersDir = process.env.OAUTH_APPS_BENCH_PEERS ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'oauth-apps-bench', 'peers');

export interface Peers {
  /** e.g. "json-server 0.17.4, @mockoon/cli 9.9.0" */
  versions: string;
  jsonServer(apps: { id: string }[], readyPath: string): Promise<Running>;
  mockoon(specFile: string, readyPath: string): Promise<Running>;
}

function installed(name: keyof typeof WANTED): { version: string; bin: string } | undefined {
  const dir = join(peersDir, 'node_modules', name);
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string; bin: string | Record<string, string> };
  if (!WANTED[name](pkg.version)) return undefined;
  return { version: pkg.version, bin: join(dir, typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin)[0]!) };
}

/**
 * The peers, installed into `peersDir` on first use (`npm i --no-save --prefix`), or the reason
 * they are not there (no registry, say): the caller prints it and goes on without them.
 */
export async function installPeers(): Promise<Peers | string> {
  let js = installed('json-server');
  let mk = installed('@mockoon/cli');
  if (!js || !mk) {
    mkdirSync(peersDir, { recursive: true });
    try {
      await promisify(execFile)('npm', ['i', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', peersDir, ...SPECS], { timeout: 300_000 });
    } catch (err) {
      // npm's own message ("npm error FetchError: … ECONNREFUSED"), not its code/syscall lines or stack.
      const lines = String((err as { stderr?: string }).stderr ?? '').split('\n');
      const why = lines.find((l) => /^npm (error|ERR!) (?!code |syscall |errno |\s)/.test(l)) ?? lines.find((l) => l.startsWith('npm ')) ?? (err as Error).message;
      return `npm i ${SPECS.join(' ')} into ${peersDir} failed: ${why.replace(/^npm (error|ERR!) /, '').trim()}`;
    }
    js = installed('json-server');
    mk = installed('@mockoon/cli');
    if (!js || !mk) return `npm i ${SPECS.join(' ')} into ${peersDir} did not leave the wanted versions`;
  }
  const jsBin = js.bin;
  const mkBin = mk.bin;
  return {
    versions: `json-server ${js.version}, @mockoon/cli ${mk.version}`,
    // A folder of its own per start: json-server writes every change back into its db.json.
    // The routes file maps the contract's /v1/oauth-apps onto the collection "oauth-apps".
    jsonServer: (apps, readyPath) => {
      const dir = mkdtempSync(join(tmpdir(), 'bench-json-server-'));
      writeFileSync(join(dir, 'db.json'), JSON.stringify({ 'oauth-apps': apps }, null, 2));
      writeFileSync(join(dir, 'routes.json'), JSON.stringify({ '/v1/*': '/$1' }));
      return start('json-server', [jsBin, '--port', '{port}', '--host', '127.0.0.1', '--routes', join(dir, 'routes.json'), join(dir, 'db.json')], readyPath);
    },
    // Mockoon imports the OpenAPI document itself and answers its examples (no state).
    // --disable-log-to-file: its transaction log goes to stdout (discarded), not to ~/.mockoon-cli.
    mockoon: (specFile, readyPath) => start('Mockoon', [mkBin, 'start', '--data', specFile, '--port', '{port}', '--hostname', '127.0.0.1', '--disable-log-to-file'], readyPath),
  };
}
