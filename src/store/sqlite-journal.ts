// Node's own timers: under a test's fake timers (the in-process API) the globals never fire.
import { setImmediate } from 'node:timers';
import type { SqliteDatabase } from './sqlite-driver.js';
import { guard } from './sqlite-errors.js';
import type { JournalCount, JournalQuery, JournalRecord, JournalState } from './types.js';

/**
 * How long one transaction of journal writes may hold the event loop. A write is synchronous,
 * and a batch can be large: a second of 100-app lists is a thousand entries of about 30 KB.
 * Written as one transaction it held every request behind it for 70-100 ms (the p99 of such
 * lists at one connection, against 5-7 ms with the journal off; 15-18 ms in slices of 1 ms).
 * Between two slices the event loop serves what has come in. When that took long (many
 * connections), the next slice may take a share of it (SLICE_SHARE, at most SLICE_MAX_MS), so
 * the journal keeps up with its requests instead of piling entries up in memory.
 */
const SLICE_MS = 1;
const SLICE_SHARE = 0.2;
const SLICE_MAX_MS = 20;

/** The request journal in the SQLite file (migration 3: sandbox_requests). */
export class SqliteJournalState implements JournalState {
  readonly shared = false;
  private readonly stmt;
  /** Writes records from `from` for `ms` (at least one), in one transaction; returns where it stopped. */
  private readonly appendSlice: (records: JournalRecord[], from: number, ms: number) => number;

  /**
   * `sliceMs`: how long a transaction may hold the event loop at least (SLICE_MS), `share`: of
   * what the event loop served since the last one (SLICE_SHARE). A test gives 0 and 0: one
   * entry per transaction.
   */
  constructor(
    db: SqliteDatabase,
    private readonly options: { sliceMs: number; share: number } = { sliceMs: SLICE_MS, share: SLICE_SHARE },
  ) {
    this.stmt = {
      insert: db.prepare('INSERT INTO sandbox_requests (namespace, operation_id, method, path, status, entry) VALUES (?, ?, ?, ?, ?, ?)'),
      // Everything older than the keep newest goes: one walk of the (namespace, seq) index.
      prune: db.prepare(
        'DELETE FROM sandbox_requests WHERE namespace = ? AND seq <= (SELECT seq FROM sandbox_requests WHERE namespace = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)',
      ),
      // One statement for every combination of filters: a filter not given is NULL and matches all.
      list: db.prepare<{ seq: number; entry: string }>(
        `SELECT seq, entry FROM sandbox_requests WHERE namespace = @namespace AND seq > @since AND (@before IS NULL OR seq < @before)
           AND (@operation_id IS NULL OR operation_id = @operation_id) AND (@method IS NULL OR method = @method)
           AND (@status IS NULL OR status = @status) AND (@path IS NULL OR path = @path)
         ORDER BY seq DESC LIMIT @limit`,
      ),
      get: db.prepare<{ entry: string }>('SELECT entry FROM sandbox_requests WHERE namespace = ? AND seq = ?'),
      clear: db.prepare('DELETE FROM sandbox_requests WHERE namespace = ?'),
      counts: db.prepare<{ operation_id: string | null; status: number; n: number }>(
        'SELECT operation_id, status, count(*) AS n FROM sandbox_requests WHERE namespace = ? GROUP BY operation_id, status',
      ),
    };
    // One transaction per slice: one commit (and WAL sync point) for many entries.
    this.appendSlice = db.transaction((records: JournalRecord[], from: number, ms: number) => {
      const until = performance.now() + ms;
      let i = from;
      do {
        const r = records[i++]!;
        this.stmt.insert.run(r.namespace, r.operationId, r.method, r.path, r.status, r.entry);
      } while (i < records.length && performance.now() < until);
      return i;
    }, 'immediate');
  }

  async append(records: JournalRecord[]): Promise<void> {
    let sliceEnded = performance.now();
    for (let from = 0; from < records.length; ) {
      const others = performance.now() - sliceEnded; // what the event loop served since the last slice
      from = guard(() => this.appendSlice(records, from, Math.min(SLICE_MAX_MS, Math.max(this.options.sliceMs, this.options.share * others))));
      sliceEnded = performance.now();
      if (from < records.length) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async prune(namespaces: string[], keep: number): Promise<void> {
    guard(() => {
      for (const ns of namespaces) this.stmt.prune.run(ns, ns, keep);
    });
  }

  async list(namespace: string, q: JournalQuery): Promise<{ id: number; entry: string }[]> {
    return this.stmt.list
      .all({ namespace, since: q.since ?? 0, before: q.before ?? null, operation_id: q.operationId ?? null, method: q.method ?? null, status: q.status ?? null, path: q.path ?? null, limit: q.limit })
      .map((r) => ({ id: Number(r.seq), entry: r.entry }));
  }

  async get(namespace: string, id: number): Promise<string | undefined> {
    return this.stmt.get.get(namespace, id)?.entry;
  }

  async clear(namespace: string): Promise<number> {
    return guard(() => this.stmt.clear.run(namespace).changes);
  }

  async counts(namespace: string): Promise<JournalCount[]> {
    return this.stmt.counts.all(namespace).map((r) => ({ operationId: r.operation_id, status: Number(r.status), n: Number(r.n) }));
  }
}
