import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { unref } from '../timers.js';
import { connect, query } from './postgres-errors.js';
import { StoreUnavailableError, type Fault, type NamespaceRecord, type SandboxState, type SeedApp } from './types.js';

interface NamespaceRow {
  id: string;
  token_hash: Buffer;
  ttl_ms: string;
  created_at: string;
  last_used_at: string;
}
interface FaultRow {
  id: string;
  definition: Omit<Fault, 'id' | 'remaining'>;
  remaining: number | null;
}

// bigint columns arrive as strings (pg keeps 64-bit integers exact); epoch ms fit a double.
const toNamespace = (r: NamespaceRow): NamespaceRecord => ({
  id: r.id,
  tokenHash: r.token_hash,
  ttlMs: Number(r.ttl_ms),
  createdAt: Number(r.created_at),
  lastUsedAt: Number(r.last_used_at),
});
const toFault = (r: FaultRow): Fault => ({ id: r.id, ...r.definition, ...(r.remaining === null ? {} : { remaining: r.remaining }) });
const NAMESPACE_COLUMNS = 'id::text AS id, token_hash, ttl_ms, created_at, last_used_at';

/** Deletes the namespaces `condition` selects ($1 is its parameter) with their apps, faults and journals, in one statement. */
const deleteNamespaces = (condition: string) => `
  WITH gone AS (DELETE FROM sandbox_namespaces WHERE ${condition} RETURNING id::text AS id),
    apps AS (DELETE FROM oauth_apps WHERE namespace IN (SELECT id FROM gone)),
    faults AS (DELETE FROM sandbox_faults WHERE namespace IN (SELECT id FROM gone)),
    requests AS (DELETE FROM sandbox_requests WHERE namespace IN (SELECT id FROM gone))
  SELECT count(*)::int AS n FROM gone`;
const EXPIRED = 'last_used_at + ttl_ms <= $1';

/**
 * Namespaces and faults in PostgreSQL, shared by every instance on the database. Fault
 * changes are announced with NOTIFY on a channel of this schema; each instance LISTENs on
 * its own connection and refreshes its hint of which namespaces have faults (FaultSteering).
 */
export class PostgresSandboxState implements SandboxState {
  private readonly channel: string;
  private readonly lockKey: string;
  private listener: pg.Client | undefined;
  private closed = false;
  private readonly waiting = new Map<string, () => void>();

  constructor(
    private readonly pool: pg.Pool,
    /** The pool's connection settings (timeouts, search_path), for the LISTEN connection. */
    private readonly clientConfig: pg.ClientConfig,
    schema: string | undefined,
  ) {
    // A channel name is an identifier (at most 63 bytes): one per schema, hashed to fit.
    this.channel = `oauth_apps_faults_${createHash('sha256').update(schema ?? '').digest('hex').slice(0, 16)}`;
    this.lockKey = `oauth-apps-namespaces:${schema ?? ''}`;
  }

  async createNamespace(ns: NamespaceRecord, seed: SeedApp[], max: number, now: number): Promise<boolean> {
    const client = await connect(this.pool);
    let lost: Error | undefined;
    try {
      await query(client, 'BEGIN');
      // The cap holds across instances: creates take turns on this lock.
      await query(client, 'SELECT pg_advisory_xact_lock(hashtext($1))', [this.lockKey]);
      await query(client, deleteNamespaces(EXPIRED), [now]);
      const { rows } = await query<{ n: number }>(client, 'SELECT count(*)::int AS n FROM sandbox_namespaces');
      if (rows[0]!.n >= max) {
        await query(client, 'ROLLBACK');
        return false;
      }
      await query(client, 'INSERT INTO sandbox_namespaces (id, token_hash, seed, ttl_ms, created_at, last_used_at) VALUES ($1, $2, $3::text::json, $4, $5, $6)', [
        ns.id,
        ns.tokenHash,
        JSON.stringify(seed),
        ns.ttlMs,
        ns.createdAt,
        ns.lastUsedAt,
      ]);
      await query(client, 'COMMIT');
      return true;
    } catch (err) {
      await query(client, 'ROLLBACK').catch(() => undefined);
      // A client whose connection failed must not go back to the pool for the next request.
      if (err instanceof StoreUnavailableError) lost = err;
      throw err;
    } finally {
      client.release(lost);
    }
  }

  async namespaceByTokenHash(tokenHash: Buffer): Promise<NamespaceRecord | undefined> {
    const { rows } = await query<NamespaceRow>(this.pool, `SELECT ${NAMESPACE_COLUMNS} FROM sandbox_namespaces WHERE token_hash = $1`, [tokenHash]);
    return rows[0] && toNamespace(rows[0]);
  }

  async touchNamespace(id: string, now: number): Promise<void> {
    await query(this.pool, 'UPDATE sandbox_namespaces SET last_used_at = greatest(last_used_at, $2) WHERE id = $1', [id, now]);
  }

  async listNamespaces(now: number): Promise<NamespaceRecord[]> {
    const { rows } = await query<NamespaceRow>(this.pool, `SELECT ${NAMESPACE_COLUMNS} FROM sandbox_namespaces WHERE NOT (${EXPIRED}) ORDER BY created_at, id`, [now]);
    return rows.map(toNamespace);
  }

  async namespaceSeed(id: string): Promise<SeedApp[] | undefined> {
    const { rows } = await query<{ seed: SeedApp[] }>(this.pool, 'SELECT seed FROM sandbox_namespaces WHERE id = $1', [id]);
    return rows[0]?.seed;
  }

  async setNamespaceSeed(id: string, seed: SeedApp[]): Promise<void> {
    await query(this.pool, 'UPDATE sandbox_namespaces SET seed = $2::text::json WHERE id = $1', [id, JSON.stringify(seed)]);
  }

  async deleteNamespace(id: string): Promise<boolean> {
    return (await query<{ n: number }>(this.pool, deleteNamespaces('id = $1'), [id])).rows[0]!.n > 0;
  }

  async deleteExpiredNamespaces(now: number): Promise<number> {
    return (await query<{ n: number }>(this.pool, deleteNamespaces(EXPIRED), [now])).rows[0]!.n;
  }

  async addFault(namespace: string, fault: Fault): Promise<void> {
    const { id, remaining, ...definition } = fault;
    await query(this.pool, 'INSERT INTO sandbox_faults (id, namespace, definition, remaining) VALUES ($1, $2, $3::text::json, $4)', [
      id,
      namespace,
      JSON.stringify(definition),
      remaining ?? null,
    ]);
  }

  async listFaults(namespace: string): Promise<Fault[]> {
    const { rows } = await query<FaultRow>(this.pool, 'SELECT id::text AS id, definition, remaining FROM sandbox_faults WHERE namespace = $1 ORDER BY seq', [namespace]);
    return rows.map(toFault);
  }

  async removeFault(namespace: string, id: string): Promise<boolean> {
    return ((await query(this.pool, 'DELETE FROM sandbox_faults WHERE namespace = $1 AND id = $2', [namespace, id])).rowCount ?? 0) > 0;
  }

  async clearFaults(namespace: string): Promise<number> {
    return (await query(this.pool, 'DELETE FROM sandbox_faults WHERE namespace = $1', [namespace])).rowCount ?? 0;
  }

  async useFault(namespace: string, fault: Fault): Promise<boolean> {
    if (fault.remaining === undefined) return true;
    // The decrement is one atomic statement: N instances racing for the last call of a
    // fault get it once between them.
    const { rows } = await query<{ remaining: number }>(this.pool, 
      'UPDATE sandbox_faults SET remaining = remaining - 1 WHERE namespace = $1 AND id = $2 AND remaining > 0 RETURNING remaining',
      [namespace, fault.id],
    );
    if (rows[0]?.remaining === 0) await query(this.pool, 'DELETE FROM sandbox_faults WHERE namespace = $1 AND id = $2 AND remaining = 0', [namespace, fault.id]);
    return rows.length > 0;
  }

  async namespacesWithFaults(): Promise<Set<string>> {
    const { rows } = await query<{ namespace: string }>(this.pool, 'SELECT DISTINCT namespace FROM sandbox_faults');
    return new Set(rows.map((r) => r.namespace));
  }

  async watchFaults(listener: () => void, connected: (up: boolean) => void): Promise<void> {
    const connect = async () => {
      const client = new pg.Client(this.clientConfig);
      const lost = () => {
        if (this.listener !== client) return;
        this.listener = undefined;
        connected(false);
        client.end().catch(() => undefined);
        if (!this.closed) unref(setTimeout(() => void connect().catch(lost), 1000));
      };
      client.on('error', lost);
      client.on('end', lost);
      client.on('notification', (msg) => {
        this.waiting.get(msg.payload ?? '')?.();
        listener();
      });
      this.listener = client;
      await client.connect();
      await query(client, `LISTEN ${this.channel}`);
      connected(true);
    };
    await connect();
  }

  async announceFaultChange(): Promise<void> {
    const nonce = randomUUID();
    // Answer the client only once the database has sent the news: by then every listening
    // instance has it on its socket (LISTEN/NOTIFY delivers at commit, in order).
    const heard = this.listener ? new Promise<void>((resolve) => this.waiting.set(nonce, resolve)) : Promise.resolve();
    await query(this.pool, 'SELECT pg_notify($1, $2)', [this.channel, nonce]);
    await Promise.race([heard, new Promise((resolve) => unref(setTimeout(resolve, 1000)))]);
    this.waiting.delete(nonce);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.listener;
    this.listener = undefined;
    await client?.end().catch(() => undefined);
  }
}
