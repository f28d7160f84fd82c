import type { components } from 'oauth-apps-api-client';
import type { sandboxComponents } from 'oauth-apps-api-client/sandbox';

type Schemas = components['schemas'];
export type OauthApp = Schemas['OauthApp'];
export type Health = Schemas['Health'];
export type Provider = Schemas['Provider'];
export type HealthStatus = Schemas['HealthStatus'];
export type CreateInput = Schemas['OauthAppCreate'];
export type UpdateInput = Schemas['OauthAppUpdate'];
export type Metadata = Schemas['Metadata'];

/** A create that may also carry what only fixtures set (sandbox seed data, imports). */
export type NewApp = CreateInput & Partial<Pick<OauthApp, 'id' | 'health' | 'created_at' | 'updated_at'>>;

export interface ListFilter {
  provider?: Provider;
  healthStatus?: HealthStatus;
  /** JSON containment: every property given must be in the app's metadata (see contains.ts). */
  metadata?: Metadata;
}

/** Another app of the namespace already has this id (only fixtures choose ids). */
export class DuplicateIdError extends Error {
  constructor() {
    super('An OAuth app with this id already exists');
    this.name = 'DuplicateIdError';
  }
}

/** Another app already has this provider + client_id. */
export class DuplicateClientIdError extends Error {
  constructor() {
    super('An OAuth app with this provider and client_id already exists');
    this.name = 'DuplicateClientIdError';
  }
}

/**
 * The database cannot answer now (down, restarting, unreachable, too slow, out of disk): the
 * request may succeed if retried in a few seconds. Stores throw it in place of the driver's
 * error, so the HTTP layer can answer 503 + Retry-After instead of a generic 500. `message` is
 * for the log and names the kind of failure only, never a connection string or password.
 */
export class StoreUnavailableError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'StoreUnavailableError';
  }
}

/** How long a call waits on the database before it is StoreUnavailableError (DATABASE_TIMEOUT_MS). */
export const DEFAULT_DATABASE_TIMEOUT_MS = 5000;

/** The default namespace: the server's own token, and every store opened without one. */
export const DEFAULT_NAMESPACE = '';

/**
 * Where OAuth apps live, seen from one namespace (the default one unless `inNamespace` says
 * otherwise): ids and provider + client_id are unique per namespace, and no call reaches
 * another namespace's apps. Every call is async so that a networked backend (PostgreSQL) fits
 * behind the same interface as the embedded one. Apps come back with their real secret;
 * masking is the HTTP layer's job.
 */
export interface OauthAppStore {
  /** Human-readable location for start-up messages (a file path, a host); never a password. */
  readonly location: string;
  create(app: NewApp): Promise<OauthApp>;
  get(id: string): Promise<OauthApp | undefined>;
  list(filter: ListFilter): Promise<OauthApp[]>;
  /** Only the fields present change; undefined when no app has this id. */
  update(id: string, patch: UpdateInput): Promise<OauthApp | undefined>;
  setHealth(id: string, health: Omit<Health, 'time'>): Promise<OauthApp | undefined>;
  delete(id: string): Promise<boolean>;
  count(): Promise<number>;
  /** Removes every app of this namespace (sandbox reset). */
  clear(): Promise<void>;
  /** Resolves once the database answers a trivial query (readiness); StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  /** The same database seen from namespace `id` (DEFAULT_NAMESPACE: the default one). */
  inNamespace(id: string): OauthAppStore;
  /** The sandbox's own state (namespaces, faults), in the same database. */
  readonly sandbox: SandboxState;
  /** The request journal of every namespace, in the same database (see src/journal). */
  readonly journal: JournalState;
  close(): Promise<void>;
}

export type SeedApp = sandboxComponents['schemas']['SeedApp'];
export type Fault = sandboxComponents['schemas']['Fault'];

/** A namespace as stored: never its token, only the token's SHA-256 digest. Times in epoch ms. */
export interface NamespaceRecord {
  id: string;
  tokenHash: Buffer;
  ttlMs: number;
  createdAt: number;
  lastUsedAt: number;
}

/**
 * The sandbox's state that every instance on one database must share: namespaces, their
 * seeds and the faults of every namespace. Times are the caller's clock (epoch ms).
 */
export interface SandboxState {
  /** Inserts unless `max` namespaces are already live at `now` (then false); expired ones are removed first. */
  createNamespace(ns: NamespaceRecord, seed: SeedApp[], max: number, now: number): Promise<boolean>;
  namespaceByTokenHash(tokenHash: Buffer): Promise<NamespaceRecord | undefined>;
  touchNamespace(id: string, now: number): Promise<void>;
  /** Live namespaces, oldest first. */
  listNamespaces(now: number): Promise<NamespaceRecord[]>;
  namespaceSeed(id: string): Promise<SeedApp[] | undefined>;
  setNamespaceSeed(id: string, seed: SeedApp[]): Promise<void>;
  /** Removes a namespace with its apps, faults and journal. */
  deleteNamespace(id: string): Promise<boolean>;
  /** Removes every namespace unused for its time to live; returns how many. */
  deleteExpiredNamespaces(now: number): Promise<number>;

  addFault(namespace: string, fault: Fault): Promise<void>;
  /** Oldest first. */
  listFaults(namespace: string): Promise<Fault[]>;
  removeFault(namespace: string, id: string): Promise<boolean>;
  clearFaults(namespace: string): Promise<number>;
  /**
   * Uses one call of a listed fault, atomically across instances: a fault limited to N calls
   * is granted N times in all (an atomic decrement), then removed. False when another call
   * used it up first.
   */
  useFault(namespace: string, fault: Fault): Promise<boolean>;
  /** The namespaces that have at least one fault. */
  namespacesWithFaults(): Promise<Set<string>>;
  /**
   * Calls `listener` whenever another instance on this database changes faults (PostgreSQL
   * LISTEN/NOTIFY); `connected(false)` when that channel is down and changes may be missed.
   * A no-op on SQLite, whose file one process serves.
   */
  watchFaults(listener: () => void, connected: (up: boolean) => void): Promise<void>;
  /** Tells the other instances that faults changed; resolves once the database has sent the news to them. */
  announceFaultChange(): Promise<void>;
}

/**
 * One journal entry as stored: the entry's JSON without its id (the id is the row's place in
 * the database's sequence, so entries of every instance on one database are ordered), and the
 * columns the journal's filters read.
 */
export interface JournalRecord {
  namespace: string;
  operationId: string | null;
  method: string;
  path: string;
  status: number;
  /** The entry as JSON, secrets already masked (src/journal/entry.ts). */
  entry: string;
}

/** A journal read: every given field must match; newest first, at most `limit`. */
export interface JournalQuery {
  operationId?: string;
  method?: string;
  status?: number;
  path?: string;
  /** Only entries after this id. */
  since?: number;
  /** Only entries with lower ids. */
  before?: number;
  limit: number;
}

/** How many retained entries of one operation got one status. */
export interface JournalCount {
  operationId: string | null;
  status: number;
  n: number;
}

/** The request journal of every namespace. Ids are the database's sequence: later entries, higher ids. */
export interface JournalState {
  /**
   * Other processes read this database (PostgreSQL): an entry is written before its response is
   * sent, so that any instance finds it. False for SQLite, whose file one process serves.
   */
  readonly shared: boolean;
  append(records: JournalRecord[]): Promise<void>;
  /** Drops each namespace's entries older than its newest `keep`. */
  prune(namespaces: string[], keep: number): Promise<void>;
  list(namespace: string, query: JournalQuery): Promise<{ id: number; entry: string }[]>;
  get(namespace: string, id: number): Promise<string | undefined>;
  /** Removes a namespace's entries; returns how many. */
  clear(namespace: string): Promise<number>;
  counts(namespace: string): Promise<JournalCount[]>;
}
