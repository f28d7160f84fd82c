import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { OauthAppStore } from '../store/index.js';
import { warmUp } from './app.js';
import { answerClientErrors, refusedForMissingHost } from '../http/client-errors.js';
import { createLogger } from '../http/logger.js';
import { openApp, type ApiDocuments, type OpenConfig } from './open.js';
import type { Logger } from 'pino';
import { unref } from '../timers.js';

/** What `openApp` needs, with the token and logger made optional, plus where and how to listen. */
export interface ServeConfig extends Omit<OpenConfig, 'token' | 'logger'> {
  port: number;
  host: string;
  /** When absent a random token is generated (and reported in the result). */
  token?: string;
  logger?: Logger;
  /** Time a client has to send its headers (default 10 s) / its whole request (default 30 s). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** A connect-style step every request passes before the app (`npm run dev`'s page reloader). */
  before?: (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
}

export interface RunningServer {
  url: string;
  token: string;
  tokenGenerated: boolean;
  store: OauthAppStore;
  /** How many seed apps were loaded at start (0 when the store already had data). */
  seeded: number;
  server: Server;
  /** Swaps in an app built from other documents behind the same listener (`npm run dev`). */
  reload(documents: ApiDocuments): void;
  /** Stops accepting, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

/** Opens the store, builds the app and listens. Used by the CLI and by tests (port 0). */
export async function serve(config: ServeConfig): Promise<RunningServer> {
  const log = config.logger ?? createLogger();
  const token = config.token || randomBytes(24).toString('base64url');
  const opened = await openApp({ ...config, token, logger: log });
  const { store, seeded, close: closeApp } = opened;
  let app = opened.app;
  const before = config.before;
  const server = createServer(
    {
      // Slow or stalled clients must not hold sockets forever; checked every second.
      headersTimeout: config.headersTimeoutMs ?? 10_000,
      requestTimeout: config.requestTimeoutMs ?? 30_000,
      connectionsCheckingInterval: 1_000,
      keepAliveTimeout: 5_000,
      requireHostHeader: false, // refusedForMissingHost answers it, in the API's shape
    },
    (req, res) => {
      if (refusedForMissingHost(req, res)) return;
      if (before) before(req, res, () => app(req, res));
      else app(req, res);
    },
  );
  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err) => void closeApp().finally(() => reject(err)));
  });
  answerClientErrors(server);
  // Listening first, then the validators' compiling in the background, so the first call of
  // each operation does not pay for it (and start-up does not either).
  const warm = (built: typeof app) => warmUp(built).catch((err: Error) => log.error({ err: { message: err.message, stack: err.stack } }, 'validator warm-up failed'));
  warm(app);
  const reload = (documents: ApiDocuments) => {
    app = opened.rebuild(documents); // requests in flight finish on the app they entered
    warm(app);
  };

  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // In-flight requests get 10 s; then remaining sockets are cut.
      unref(setTimeout(() => server.closeAllConnections(), 10_000));
    })
      .then(closeApp)
      .finally(() => log.flush()));
  return { url: `http://${host}:${port}`, token, tokenGenerated: !config.token, store, seeded, server, reload, close };
}
