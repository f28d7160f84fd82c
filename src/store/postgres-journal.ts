import pg from 'pg';
import { classifyPgError, query } from './postgres-errors.js';
import type { JournalCount, JournalQuery, JournalRecord, JournalState } from './types.js';

/**
 * The request journal in PostgreSQL (migration 3: sandbox_requests), shared by every instance
 * on the database. A batch is one INSERT of one JSON array of rows (objects), so a busy instance pays one
 * round-trip for many entries. The array is put together as text around each entry's JSON
 * (already made, already masked): as arrays of text (unnest) the driver escaped every quote of
 * every entry, the largest part of a journaled request's own CPU.
 *
 * Its writes go through a small pool of their own whose sessions have synchronous_commit off:
 * a committed entry is visible at once to every session (what read-your-writes needs), but its
 * commit does not wait for the WAL to reach the disk, which would make every journaled response
 * wait for an fsync. A database crash can lose the last moments of the journal, never an app.
 */
// json_to_recordset reads each row once (`->>` on array elements parsed each row again per
// column: about twice the database's time per batch, measured with batches of 5).
const APPEND = `INSERT INTO sandbox_requests (namespace, operation_id, method, path, status, entry)
  SELECT n, o, m, p, s, e FROM json_to_recordset($1::json) AS t(n text, o text, m text, p text, s int, e json)`;

export class PostgresJournalState implements JournalState {
  readonly shared = true;
  private readonly pool: pg.Pool;

  constructor(clientConfig: pg.ClientConfig) {
    const options = [clientConfig.options, '-c synchronous_commit=off'].filter(Boolean).join(' ');
    // One connection per journal writer (src/journal/journal.ts SHARED_WRITERS), one more for reads and pruning.
    this.pool = new pg.Pool({ ...clientConfig, options, max: 4 });
    this.pool.on('error', () => undefined); // an idle client that loses its connection must not crash the process
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  async append(records: JournalRecord[]): Promise<void> {
    let rows = '';
    for (const r of records) {
      rows += `${rows ? ',' : '['}{"n":${JSON.stringify(r.namespace)},"o":${JSON.stringify(r.operationId)},"m":${JSON.stringify(r.method)},"p":${JSON.stringify(r.path)},"s":${r.status},"e":${r.entry}}`;
    }
    try {
      // Named: each connection parses and plans it once, then only binds the text.
      await this.pool.query({ name: 'journal_append', text: APPEND, values: [`${rows}]`] });
    } catch (err) {
      throw classifyPgError(err);
    }
  }

  async prune(namespaces: string[], keep: number): Promise<void> {
    await query(
      this.pool,
      // Each namespace's cut-off computed once (one walk of its index), then a range delete on it.
      `DELETE FROM sandbox_requests r
       USING (SELECT ns, (SELECT seq FROM sandbox_requests WHERE namespace = ns ORDER BY seq DESC OFFSET $2 LIMIT 1) AS cutoff FROM unnest($1::text[]) AS n(ns)) c
       WHERE r.namespace = c.ns AND r.seq <= c.cutoff`,
      [namespaces, keep],
    );
  }

  async list(namespace: string, q: JournalQuery): Promise<{ id: number; entry: string }[]> {
    const { rows } = await query<{ seq: string; entry: string }>(
      this.pool,
      `SELECT seq, entry::text AS entry FROM sandbox_requests WHERE namespace = $1 AND seq > $2
         AND ($3::text IS NULL OR operation_id = $3) AND ($4::text IS NULL OR method = $4)
         AND ($5::int IS NULL OR status = $5) AND ($6::text IS NULL OR path = $6)
         AND ($8::bigint IS NULL OR seq < $8)
       ORDER BY seq DESC LIMIT $7`,
      [namespace, q.since ?? 0, q.operationId ?? null, q.method ?? null, q.status ?? null, q.path ?? null, q.limit, q.before ?? null],
    );
    return rows.map((r) => ({ id: Number(r.seq), entry: r.entry }));
  }

  async get(namespace: string, id: number): Promise<string | undefined> {
    const { rows } = await query<{ entry: string }>(this.pool, 'SELECT entry::text AS entry FROM sandbox_requests WHERE namespace = $1 AND seq = $2', [namespace, id]);
    return rows[0]?.entry;
  }

  async clear(namespace: string): Promise<number> {
    return (await query(this.pool, 'DELETE FROM sandbox_requests WHERE namespace = $1', [namespace])).rowCount ?? 0;
  }

  async counts(namespace: string): Promise<JournalCount[]> {
    const { rows } = await query<{ operation_id: string | null; status: number; n: number }>(
      this.pool,
      'SELECT operation_id, status, count(*)::int AS n FROM sandbox_requests WHERE namespace = $1 GROUP BY operation_id, status',
      [namespace],
    );
    return rows.map((r) => ({ operationId: r.operation_id, status: r.status, n: r.n }));
  }
}
