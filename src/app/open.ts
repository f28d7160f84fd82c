import type { Express } from 'express';
import type { Logger } from 'pino';
import { Sandbox, type SandboxOptions } from '../sandbox/sandbox.js';
import type { SeedApp } from '../sandbox/seed.js';
import { openStore, type OauthAppStore } from '../store/index.js';
import type { OpenApiDocument } from '../spec/index.js';
import { createApp } from './app.js';
import type { CorsOrigins } from '../http/cors.js';

/** The OpenAPI documents an app is built from (default: the bundled ones). */
export interface ApiDocuments {
  spec?: OpenApiDocument;
  sandboxSpec?: OpenApiDocument;
}

export interface OpenConfig extends ApiDocuments {
  databaseUrl: string;
  /** Bound on each wait on the database, in ms: past it a request answers 503 (default 5000; DATABASE_TIMEOUT_MS). */
  databaseTimeoutMs?: number;
  token: string;
  logger: Logger;
  validateResponses?: boolean;
  /** Apps loaded into an empty store, and restored by a sandbox reset. */
  seed?: SeedApp[];
  /** The /__sandbox control plane and `Prefer` steering (default on). */
  sandbox?: boolean;
  /** Sandbox namespaces: idle time to live (default 24 h) and live namespaces at most (default 1 000). */
  namespaceTtlMs?: number;
  maxNamespaces?: number;
  /** `--public-namespaces`: `POST /__sandbox/namespaces` without a token creates one (default off; see src/sandbox/public.ts). */
  publicNamespaces?: SandboxOptions['publicNamespaces'];
  /** The clock of namespace expiry (tests inject one). */
  now?: () => number;
  /** Request journal entries kept per namespace (default 1 000; 0 turns the journal off). */
  journalSize?: number;
  /** Browser origins allowed by CORS: `'*'` (default), a list, or `'none'`. */
  corsOrigins?: CorsOrigins;
}

export interface OpenedApp {
  app: Express;
  store: OauthAppStore;
  /** How many seed apps were loaded (0 when the store already had data). */
  seeded: number;
  /**
   * The same pipeline built again on the same store and sandbox from other documents
   * (`npm run dev` swaps it in after a spec save): the validators are per document, the data stays.
   */
  rebuild(documents: ApiDocuments): Express;
  /** Stops the sandbox's timers and listeners, then closes the database. */
  close(): Promise<void>;
}

/**
 * The set-up every entry shares (the HTTP server, the in-process API): open the store, seed
 * it when empty, build the one pipeline (`createApp`) on it. Only how requests arrive differs.
 */
export async function openApp(config: OpenConfig): Promise<OpenedApp> {
  const store = await openStore(config.databaseUrl, { timeoutMs: config.databaseTimeoutMs });
  const sandbox = new Sandbox(store, { seed: config.seed, namespaceTtlMs: config.namespaceTtlMs, maxNamespaces: config.maxNamespaces, now: config.now, publicNamespaces: config.publicNamespaces, journalSize: config.journalSize });
  const close = async () => {
    sandbox.stop();
    await sandbox.journal.flush(); // entries of the last requests, before the database closes
    await store.close();
  };
  let seeded: number;
  try {
    seeded = await sandbox.seedIfEmpty();
    if (config.sandbox !== false) await sandbox.start();
  } catch (err) {
    await close();
    throw err;
  }
  const rebuild = (documents: ApiDocuments) =>
    createApp({
      store,
      token: config.token,
      logger: config.logger,
      validateResponses: config.validateResponses,
      sandbox: config.sandbox === false ? undefined : sandbox,
      corsOrigins: config.corsOrigins,
      spec: documents.spec,
      sandboxSpec: documents.sandboxSpec,
    });
  return { app: rebuild(config), store, seeded, rebuild, close };
}
