import { asBuffer, type SqliteDatabase } from './sqlite-driver.js';
import { guard } from './sqlite-errors.js';
import type { Fault, NamespaceRecord, SandboxState, SeedApp } from './types.js';

interface NamespaceRow {
  id: string;
  token_hash: Uint8Array;
  ttl_ms: number;
  created_at: number;
  last_used_at: number;
}
interface FaultRow {
  id: string;
  definition: string;
  remaining: number | null;
}

const toNamespace = (r: NamespaceRow): NamespaceRecord => ({ id: r.id, tokenHash: asBuffer(r.token_hash), ttlMs: r.ttl_ms, createdAt: r.created_at, lastUsedAt: r.last_used_at });
const toFault = (r: FaultRow): Fault => ({ id: r.id, ...(JSON.parse(r.definition) as Omit<Fault, 'id'>), ...(r.remaining === null ? {} : { remaining: r.remaining }) });
const LIVE = 'last_used_at + ttl_ms > ?';

/**
 * Namespaces and faults in the SQLite file. One process serves a file, so the in-process
 * hint of which namespaces have faults (see FaultSteering) is always exact: watchFaults has
 * nothing to watch.
 */
export class SqliteSandboxState implements SandboxState {
  private readonly stmt;
  private readonly createInTx: (ns: NamespaceRecord, seed: SeedApp[], max: number, now: number) => boolean;
  private readonly deleteInTx: (ids: string[]) => number;

  constructor(db: SqliteDatabase) {
    this.stmt = {
      countLive: db.prepare<{ n: number }>(`SELECT count(*) AS n FROM sandbox_namespaces WHERE ${LIVE}`),
      insertNamespace: db.prepare('INSERT INTO sandbox_namespaces (id, token_hash, seed, ttl_ms, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?)'),
      byHash: db.prepare<NamespaceRow>('SELECT id, token_hash, ttl_ms, created_at, last_used_at FROM sandbox_namespaces WHERE token_hash = ?'),
      touch: db.prepare('UPDATE sandbox_namespaces SET last_used_at = max(last_used_at, ?) WHERE id = ?'),
      list: db.prepare<NamespaceRow>(`SELECT id, token_hash, ttl_ms, created_at, last_used_at FROM sandbox_namespaces WHERE ${LIVE} ORDER BY created_at, id`),
      expired: db.prepare<{ id: string }>(`SELECT id FROM sandbox_namespaces WHERE NOT (${LIVE})`),
      seed: db.prepare<{ seed: string }>('SELECT seed FROM sandbox_namespaces WHERE id = ?'),
      setSeed: db.prepare('UPDATE sandbox_namespaces SET seed = ? WHERE id = ?'),
      deleteNamespace: db.prepare('DELETE FROM sandbox_namespaces WHERE id = ?'),
      deleteApps: db.prepare('DELETE FROM oauth_apps WHERE namespace = ?'),
      deleteRequests: db.prepare('DELETE FROM sandbox_requests WHERE namespace = ?'),
      insertFault: db.prepare('INSERT INTO sandbox_faults (id, namespace, definition, remaining) VALUES (?, ?, ?, ?)'),
      listFaults: db.prepare<FaultRow>('SELECT id, definition, remaining FROM sandbox_faults WHERE namespace = ? ORDER BY seq'),
      removeFault: db.prepare('DELETE FROM sandbox_faults WHERE namespace = ? AND id = ?'),
      clearFaults: db.prepare('DELETE FROM sandbox_faults WHERE namespace = ?'),
      decrement: db.prepare<{ remaining: number }>(
        'UPDATE sandbox_faults SET remaining = remaining - 1 WHERE namespace = ? AND id = ? AND remaining > 0 RETURNING remaining',
      ),
      dropUsedUp: db.prepare('DELETE FROM sandbox_faults WHERE namespace = ? AND id = ? AND remaining = 0'),
      withFaults: db.prepare<{ namespace: string }>('SELECT DISTINCT namespace FROM sandbox_faults'),
    };
    this.deleteInTx = db.transaction((ids: string[]) => {
      let n = 0;
      for (const id of ids) {
        this.stmt.deleteApps.run(id);
        this.stmt.clearFaults.run(id);
        this.stmt.deleteRequests.run(id);
        n += this.stmt.deleteNamespace.run(id).changes;
      }
      return n;
    });
    this.createInTx = db.transaction((ns: NamespaceRecord, seed: SeedApp[], max: number, now: number) => {
      this.deleteInTx(this.stmt.expired.all(now).map((r) => r.id));
      if (this.stmt.countLive.get(now)!.n >= max) return false;
      this.stmt.insertNamespace.run(ns.id, ns.tokenHash, JSON.stringify(seed), ns.ttlMs, ns.createdAt, ns.lastUsedAt);
      return true;
    }, 'immediate');
  }

  async createNamespace(ns: NamespaceRecord, seed: SeedApp[], max: number, now: number): Promise<boolean> {
    return guard(() => this.createInTx(ns, seed, max, now));
  }

  async namespaceByTokenHash(tokenHash: Buffer): Promise<NamespaceRecord | undefined> {
    const row = this.stmt.byHash.get(tokenHash);
    return row && toNamespace(row);
  }

  async touchNamespace(id: string, now: number): Promise<void> {
    guard(() => this.stmt.touch.run(now, id));
  }

  async listNamespaces(now: number): Promise<NamespaceRecord[]> {
    return this.stmt.list.all(now).map(toNamespace);
  }

  async namespaceSeed(id: string): Promise<SeedApp[] | undefined> {
    const row = this.stmt.seed.get(id);
    return row && (JSON.parse(row.seed) as SeedApp[]);
  }

  async setNamespaceSeed(id: string, seed: SeedApp[]): Promise<void> {
    guard(() => this.stmt.setSeed.run(JSON.stringify(seed), id));
  }

  async deleteNamespace(id: string): Promise<boolean> {
    return guard(() => this.deleteInTx([id])) > 0;
  }

  async deleteExpiredNamespaces(now: number): Promise<number> {
    return guard(() => this.deleteInTx(this.stmt.expired.all(now).map((r) => r.id)));
  }

  async addFault(namespace: string, fault: Fault): Promise<void> {
    const { id, remaining, ...definition } = fault;
    guard(() => this.stmt.insertFault.run(id, namespace, JSON.stringify(definition), remaining ?? null));
  }

  async listFaults(namespace: string): Promise<Fault[]> {
    return this.stmt.listFaults.all(namespace).map(toFault);
  }

  async removeFault(namespace: string, id: string): Promise<boolean> {
    return guard(() => this.stmt.removeFault.run(namespace, id).changes > 0);
  }

  async clearFaults(namespace: string): Promise<number> {
    return guard(() => this.stmt.clearFaults.run(namespace).changes);
  }

  async useFault(namespace: string, fault: Fault): Promise<boolean> {
    if (fault.remaining === undefined) return true;
    return guard(() => {
      const used = this.stmt.decrement.get(namespace, fault.id);
      if (used?.remaining === 0) this.stmt.dropUsedUp.run(namespace, fault.id);
      return used !== undefined;
    });
  }

  async namespacesWithFaults(): Promise<Set<string>> {
    return new Set(this.stmt.withFaults.all().map((r) => r.namespace));
  }

  async watchFaults(): Promise<void> {}

  async announceFaultChange(): Promise<void> {}
}
