import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { openStore, type OauthAppStore } from '../store/index.js';
import { createApp } from './app.js';
import { answerClientErrors } from './client-errors.js';
import { createLogger } from './logger.js';
import type { Logger } from 'pino';
import { Sandbox } from '../sandbox/sandbox.js';
import type { SeedApp } from '../sandbox/seed.js';

export interface ServeConfig {
  port: number;
  host: string;
  /** When absent a random token is generated (and reported in the result). */
  token?: string;
  databaseUrl: string;
  validateResponses?: boolean;
  logger?: Logger;
  /** Apps loaded into an empty store at start, and restored by a sandbox reset. */
  seed?: SeedApp[];
  /** The /__sandbox control plane and `Prefer` steering (default on). */
  sandbox?: boolean;
  /** Namespaces: idle time to live (default 24 h), live namespaces at most (default 1 000), the expiry clock (tests). */
  namespaceTtlMs?: number;
  maxNamespaces?: number;
  now?: () => number;
  /** Time a client has to send its headers (default 10 s) / its whole request (default 30 s). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface RunningServer {
  url: string;
  token: string;
  tokenGenerated: boolean;
  store: OauthAppStore;
  /** How many seed apps were loaded at start (0 when the store already had data). */
  seeded: number;
  server: Server;
  /** Stops accepting, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

/** Opens the store, builds the app and listens. Used by the CLI and by tests (port 0). */
export async function serve(config: ServeConfig): Promise<RunningServer> {
  const log = config.logger ?? createLogger();
  const store = await openStore(config.databaseUrl);
  const token = config.token || randomBytes(24).toString('base64url');
  const sandbox = new Sandbox(store, { seed: config.seed, namespaceTtlMs: config.namespaceTtlMs, maxNamespaces: config.maxNamespaces, now: config.now });
  let seeded: number;
  try {
    seeded = await sandbox.seedIfEmpty();
    if (config.sandbox !== false) await sandbox.start();
  } catch (err) {
    sandbox.stop();
    await store.close();
    throw err;
  }
  const app = createApp({
    store,
    token,
    logger: log,
    validateResponses: config.validateResponses,
    sandbox: config.sandbox === false ? undefined : sandbox,
  });
  const server = createServer(
    {
      // Slow or stalled clients must not hold sockets forever; checked every second.
      headersTimeout: config.headersTimeoutMs ?? 10_000,
      requestTimeout: config.requestTimeoutMs ?? 30_000,
      connectionsCheckingInterval: 1_000,
      keepAliveTimeout: 5_000,
    },
    app,
  );
  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err) => void (sandbox.stop(), store.close()).finally(() => reject(err)));
  });
  answerClientErrors(server);

  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // In-flight requests get 10 s; then remaining sockets are cut.
      setTimeout(() => server.closeAllConnections(), 10_000).unref();
    })
      .then(() => sandbox.stop())
      .then(() => store.close())
      .finally(() => log.flush()));
  return { url: `http://${host}:${port}`, token, tokenGenerated: !config.token, store, seeded, server, close };
}
