import { DEFAULT_NAMESPACE, DuplicateClientIdError, DuplicateIdError, type OauthAppStore } from '../store/types.js';
import { DEFAULT_JOURNAL_SIZE, Journal } from '../journal/journal.js';
import { FaultRegistry } from './faults.js';
import { DEFAULT_MAX_NAMESPACES, DEFAULT_NAMESPACE_TTL_MS, Namespaces, type NamespaceCreated } from './namespaces.js';
import { DEFAULT_PUBLIC_NAMESPACES, PublicNamespaces, type PublicNamespaceSettings } from './public.js';
import type { SeedApp } from './seed.js';
import { unref } from '../timers.js';

export interface SandboxOptions {
  /** Apps of the default namespace's seed (and of a new namespace's, unless it brings its own). */
  seed?: SeedApp[];
  /** Idle time after which a namespace is removed (default 24 h). */
  namespaceTtlMs?: number;
  /** Live namespaces per server (default 1 000). */
  maxNamespaces?: number;
  /** The clock of namespace expiry (tests inject one). */
  now?: () => number;
  /** `--public-namespaces`: anyone may create a namespace without a token, under these caps (default off). */
  publicNamespaces?: boolean | Partial<PublicNamespaceSettings>;
  /** Journal entries kept per namespace (default 1 000; 0: no journal). */
  journalSize?: number;
}

/**
 * The sandbox's state: the seeds to reset to, the faults, the namespaces, the request journal. Every operation
 * names its namespace; DEFAULT_NAMESPACE is the server token's.
 */
export class Sandbox {
  readonly faults: FaultRegistry;
  readonly namespaces: Namespaces;
  /** Present only with `publicNamespaces`: creates a namespace for a request without a token. */
  readonly publicNamespaces: PublicNamespaces | undefined;
  readonly journal: Journal;
  /** The default namespace's seed; lives in memory, as given at start or replaced since. */
  private seed: SeedApp[];
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly store: OauthAppStore,
    options: SandboxOptions = {},
  ) {
    this.seed = options.seed ?? [];
    this.faults = new FaultRegistry(store.sandbox);
    this.journal = new Journal(store.journal, options.journalSize ?? DEFAULT_JOURNAL_SIZE);
    this.namespaces = new Namespaces(store.sandbox, {
      ttlMs: options.namespaceTtlMs ?? DEFAULT_NAMESPACE_TTL_MS,
      max: options.maxNamespaces ?? DEFAULT_MAX_NAMESPACES,
      now: options.now ?? Date.now,
    });
    const open = options.publicNamespaces;
    this.publicNamespaces = open
      ? new PublicNamespaces(
          {
            create: (ttlSeconds) => this.createNamespace({ ttl_seconds: ttlSeconds }),
            live: async () => new Set((await this.namespaces.list()).map((ns) => ns.id)),
          },
          { ...DEFAULT_PUBLIC_NAMESPACES, ...(open === true ? {} : open) },
        )
      : undefined;
  }

  /** Loads the fault hint, follows other instances, and removes expired namespaces every minute. */
  async start(): Promise<void> {
    await this.faults.start();
    this.sweeper = unref(setInterval(() => void this.namespaces.sweep().catch(() => undefined), 60_000));
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Loads the seed, but only into an empty store: existing data is never overwritten. When
   * instances sharing one database start at once, the first to insert seeds it; the others
   * stop at their first clash and report 0.
   */
  async seedIfEmpty(): Promise<number> {
    if ((await this.store.count()) !== 0) return 0;
    try {
      return await this.load(this.store, this.seed);
    } catch (err) {
      if (err instanceof DuplicateIdError || err instanceof DuplicateClientIdError) return 0;
      throw err;
    }
  }

  /** Back to the seed state: every app of the namespace deleted, its seed loaded, its faults and journal cleared. */
  async reset(namespace: string): Promise<number> {
    const seed = namespace === DEFAULT_NAMESPACE ? this.seed : ((await this.store.sandbox.namespaceSeed(namespace)) ?? []);
    await this.faults.clear(namespace);
    await this.journal.clear(namespace);
    const store = this.store.inNamespace(namespace);
    await store.clear();
    return this.load(store, seed);
  }

  async replaceSeed(namespace: string, seed: SeedApp[]): Promise<number> {
    if (namespace === DEFAULT_NAMESPACE) this.seed = seed;
    else await this.store.sandbox.setNamespaceSeed(namespace, seed);
    return this.reset(namespace);
  }

  /** A new namespace loaded with `seed` (the default namespace's seed when undefined, none when false). */
  async createNamespace(options: { seed?: SeedApp[] | false; ttl_seconds?: number }): Promise<NamespaceCreated> {
    const seed = options.seed === false ? [] : (options.seed ?? this.seed);
    const created = await this.namespaces.create(options.ttl_seconds, seed);
    try {
      await this.load(this.store.inNamespace(created.id), seed);
    } catch (err) {
      // A namespace whose seed did not load is of no use to its caller, who never gets its
      // token: removed with what did load, so it does not hold a place under the cap.
      await this.namespaces.delete(created.id).catch(() => undefined);
      throw err;
    }
    return created;
  }

  // The seed was checked (seedProblems) and the namespace is empty, so creates cannot collide.
  private async load(store: OauthAppStore, seed: SeedApp[]): Promise<number> {
    for (const app of seed) await store.create(app);
    return seed.length;
  }
}
