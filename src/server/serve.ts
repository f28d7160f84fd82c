import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { openStore, type OauthAppStore } from '../store/index.js';
import { createApp } from './app.js';
import { createLogger } from './logger.js';
import type { Logger } from 'pino';

export interface ServeConfig {
  port: number;
  host: string;
  /** When absent a random token is generated (and reported in the result). */
  token?: string;
  databaseUrl: string;
  validateResponses?: boolean;
  logger?: Logger;
}

export interface RunningServer {
  url: string;
  token: string;
  tokenGenerated: boolean;
  store: OauthAppStore;
  server: Server;
  /** Stops accepting, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

/** Opens the store, builds the app and listens. Used by the CLI and by tests (port 0). */
export async function serve(config: ServeConfig): Promise<RunningServer> {
  const log = config.logger ?? createLogger();
  const store = await openStore(config.databaseUrl);
  const token = config.token || randomBytes(24).toString('base64url');
  const app = createApp({ store, token, logger: log, validateResponses: config.validateResponses });
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err) => void store.close().finally(() => reject(err)));
  });
  // Slow or stalled clients must not hold sockets forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;

  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // In-flight requests get 10 s; then remaining sockets are cut.
      setTimeout(() => server.closeAllConnections(), 10_000).unref();
    }).then(() => store.close()));
  return { url: `http://${host}:${port}`, token, tokenGenerated: !config.token, store, server, close };
}
