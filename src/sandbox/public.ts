import type { Request } from 'express';
import { ApiError } from '../http/errors.js';
import type { NamespaceCreated } from './namespaces.js';

/** `--public-namespaces`: namespaces anyone may create without a token (a docs console's readers). */
export interface PublicNamespaceSettings {
  /** Idle time after which a public namespace is removed (default 1 h); a create may ask for less. */
  ttlMs: number;
  /** Live public namespaces per client address (default 3). */
  perClient: number;
  /** Live public namespaces in all (default 100), within the server's cap on all namespaces. */
  max: number;
}

export const DEFAULT_PUBLIC_NAMESPACES: PublicNamespaceSettings = { ttlMs: 60 * 60 * 1000, perClient: 3, max: 100 };

/** The one request a public namespace needs no token for: creating one (exactly this method and path). */
export const isPublicCreate = (req: Request) => req.method === 'POST' && req.path === '/__sandbox/namespaces';

interface Dependencies {
  /** Creates a namespace loaded with the server's seed. */
  create(ttlSeconds: number): Promise<NamespaceCreated>;
  /** The IDs of the namespaces still live (expired ones no longer count against a cap). */
  live(): Promise<Set<string>>;
}

/**
 * Creates public namespaces under their caps. What a public namespace can do is what any
 * namespace token can: its own apps, seed, reset, faults; never the default namespace, another
 * namespace, or namespace management. The caps are counted by this process, which remembers
 * who created which namespace (an instance's own caps when several share one database).
 */
export class PublicNamespaces {
  /** Namespace ID → the client address that created it. */
  private readonly owners = new Map<string, string>();
  /** Creates one at a time, so two concurrent creates cannot both take the last place. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: Dependencies,
    readonly settings: PublicNamespaceSettings,
  ) {}

  create(client: string, body: { seed?: unknown; ttl_seconds?: number }): Promise<NamespaceCreated> {
    const run = this.queue.then(() => this.createNow(client, body));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async createNow(client: string, body: { seed?: unknown; ttl_seconds?: number }): Promise<NamespaceCreated> {
    if (body.seed !== undefined) {
      throw new ApiError(403, "Forbidden: a public namespace starts with the server's seed; bringing a seed needs the server's token.");
    }
    const live = await this.deps.live();
    for (const id of this.owners.keys()) if (!live.has(id)) this.owners.delete(id);
    const mine = [...this.owners.values()].filter((owner) => owner === client).length;
    if (mine >= this.settings.perClient) throw tooMany(`this address already holds ${this.settings.perClient} live public namespaces; use one of them (the console keeps yours per tab) or wait until one expires.`);
    if (this.owners.size >= this.settings.max) throw tooMany(`this server already holds its maximum of ${this.settings.max} live public namespaces; retry later.`);
    const maxSeconds = Math.ceil(this.settings.ttlMs / 1000);
    const created = await this.deps.create(Math.min(body.ttl_seconds ?? maxSeconds, maxSeconds));
    this.owners.set(created.id, client);
    return created;
  }
}

const tooMany = (why: string) => new ApiError(429, `Too many requests: ${why}`, undefined, { 'Retry-After': '60' });
