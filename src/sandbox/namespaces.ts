import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { sandboxComponents as components } from 'oauth-apps-api-client/sandbox';
import { tokenDigest } from '../http/auth.js';
import { ApiError } from '../http/errors.js';
import type { NamespaceRecord, SandboxState } from '../store/types.js';

export type NamespaceCreated = components['schemas']['NamespaceCreated'];
export type NamespaceView = components['schemas']['Namespace'];

export const DEFAULT_NAMESPACE_TTL_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_NAMESPACES = 1000;

const iso = (ms: number) => new Date(ms).toISOString();

export interface NamespaceSettings {
  /** Idle time after which a namespace is removed (default 24 h); a create may ask for another. */
  ttlMs: number;
  /** Live namespaces per server (default 1 000); one more is a 429. */
  max: number;
  now: () => number;
}

/**
 * Namespace lifecycle: tokens, expiry, the cap. A token is 256 random bits, shown once; the
 * database keeps its SHA-256 digest, so a leaked database holds no usable token. Lookup is by
 * digest (an attacker cannot steer a digest's bytes, so an index lookup leaks nothing about
 * stored tokens) and the match is confirmed with timingSafeEqual.
 */
export class Namespaces {
  constructor(
    private readonly state: SandboxState,
    readonly settings: NamespaceSettings,
  ) {}

  /** Registers a namespace (its apps are the caller's to load). */
  async create(ttlSeconds: number | undefined, seed: Parameters<SandboxState['createNamespace']>[1]): Promise<NamespaceCreated> {
    const now = this.settings.now();
    const token = `nst_${randomBytes(32).toString('base64url')}`;
    const ttlMs = ttlSeconds === undefined ? this.settings.ttlMs : ttlSeconds * 1000;
    const record: NamespaceRecord = { id: randomUUID(), tokenHash: tokenDigest(token), ttlMs, createdAt: now, lastUsedAt: now };
    if (!(await this.state.createNamespace(record, seed, this.settings.max, now))) {
      throw new ApiError(429, `Too many requests: this server already holds its maximum of ${this.settings.max} live namespaces; delete one or retry later.`, undefined, {
        'Retry-After': '60',
      });
    }
    return { id: record.id, token, expires_at: iso(now + ttlMs), ttl_seconds: Math.ceil(ttlMs / 1000) };
  }

  /**
   * The namespace whose token has this digest, if it is live. Use moves its expiry on; the
   * write is skipped while the last one is recent (a tenth of the TTL, at most a minute), so
   * busy namespaces do not write on every request.
   */
  async resolve(digest: Buffer): Promise<string | undefined> {
    const ns = await this.state.namespaceByTokenHash(digest);
    if (!ns || !timingSafeEqual(ns.tokenHash, digest)) return undefined;
    const now = this.settings.now();
    if (ns.lastUsedAt + ns.ttlMs <= now) {
      await this.state.deleteNamespace(ns.id);
      return undefined;
    }
    if (now - ns.lastUsedAt >= Math.min(60_000, ns.ttlMs / 10)) await this.state.touchNamespace(ns.id, now);
    return ns.id;
  }

  async list(): Promise<NamespaceView[]> {
    const now = this.settings.now();
    await this.state.deleteExpiredNamespaces(now);
    return (await this.state.listNamespaces(now)).map((ns) => ({
      id: ns.id,
      created_at: iso(ns.createdAt),
      expires_at: iso(ns.lastUsedAt + ns.ttlMs),
      ttl_seconds: Math.ceil(ns.ttlMs / 1000),
    }));
  }

  delete(id: string): Promise<boolean> {
    return this.state.deleteNamespace(id);
  }

  /** Removes every namespace idle past its time to live, with its data. */
  sweep(): Promise<number> {
    return this.state.deleteExpiredNamespaces(this.settings.now());
  }
}
