import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A PostgreSQL server of this test's own (initdb into a temp folder, on a free port), for
 * faults that must not touch the shared one: restart, stop. Needs the PostgreSQL server
 * binaries (initdb, pg_ctl); `postgresBinDir` is undefined where they are missing.
 */
export const postgresBinDir: string | undefined = (() => {
  const candidates = [process.env.PG_BIN_DIR, ...(existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort().reverse().map((v) => `/usr/lib/postgresql/${v}/bin`) : [])];
  return candidates.find((dir): dir is string => !!dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
})();

export interface OwnPostgres {
  port: number;
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres (trust auth: the password is only there to check it never leaks). */
  url: string;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: sessions are ended with 57P01, new connections refused. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startOwnPostgres(password: string): Promise<OwnPostgres> {
  if (!postgresBinDir) throw new Error('PostgreSQL server binaries not found');
  const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  // initdb refuses to run as root: the cluster then belongs to the postgres user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), Number((await run('id', ['-g', 'postgres'])).stdout.trim()));
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(postgresBinDir!, tool), ...args]) : run(join(postgresBinDir!, tool), args);
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const ctl = (...args: string[]) => pg('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', ...args]);
  const own: OwnPostgres = {
    port,
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    start: async () => void (await ctl('-o', options, 'start')),
    stop: async () => void (await ctl('-m', 'fast', 'stop')),
    restart: async () => void (await ctl('-o', options, '-m', 'fast', 'restart')),
    destroy: async () => {
      await ctl('-m', 'immediate', 'stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await own.start();
  return own;
}

/**
 * A TCP proxy in front of a server that can be frozen: it then stops forwarding bytes either
 * way and holds new connections without answering, as a hung or partitioned database host
 * does (the sockets stay open, nothing is refused, nothing comes back).
 */
export interface FreezableProxy {
  port: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function startFreezableProxy(targetPort: number): Promise<FreezableProxy> {
  let frozen = false;
  const pairs = new Set<[Socket, Socket]>();
  const setFlow = ([a, b]: [Socket, Socket]) => (frozen ? (a.pause(), b.pause()) : (a.resume(), b.resume()));
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    // By hand rather than pipe(): pipe() resumes a paused source on its own.
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => client.write(d));
    const end = () => (client.destroy(), upstream.destroy(), pairs.delete(pair));
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    setFlow(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    freeze: () => ((frozen = true), pairs.forEach(setFlow)),
    thaw: () => ((frozen = false), pairs.forEach(setFlow)),
    close: async () => {
      for (const [a, b] of pairs) (a.destroy(), b.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
