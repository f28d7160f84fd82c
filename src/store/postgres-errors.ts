import type pg from 'pg';
import { StoreUnavailableError } from './types.js';

// What says "the database cannot answer now, retry" rather than "this request is wrong" or
// "the code is wrong". SQLSTATE class 08 (connection exception) and 53 (insufficient
// resources: disk full, out of memory, too many connections), plus:
// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or
// shutting down), 57014 query_canceled (our statement_timeout: the only canceller we set),
// 25006 read_only_sql_transaction (a standby, e.g. during a failover).
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '25006']);
const SQLSTATE_CLASSES = new Set(['08', '53']);
// The socket's own errors (Node's system error codes).
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// pg and pg-pool report a lost or silent connection with plain Errors, known only by message.
const PG_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)/;

/** The driver's error as a StoreUnavailableError when it means the database is unavailable; otherwise unchanged. */
export function classifyPgError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || typeof err !== 'object' || err === null) return err;
  const { code, message } = err as { code?: unknown; message?: unknown };
  const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const unavailable =
    (sqlstate !== undefined && (SQLSTATES.has(sqlstate) || SQLSTATE_CLASSES.has(sqlstate.slice(0, 2)))) ||
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    (typeof message === 'string' && PG_MESSAGES.test(message));
  if (!unavailable) return err;
  // The driver's message names the failure and at most a host and port, never the password.
  return new StoreUnavailableError(`PostgreSQL unavailable: ${String(message)}${typeof code === 'string' ? ` (${code})` : ''}`, { cause: err });
}

/** `pool.query` (or a checked-out client's), its unavailability errors classified. */
export async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(db: pg.Pool | pg.ClientBase, text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
  try {
    return await db.query<R>(text, values);
  } catch (err) {
    throw classifyPgError(err);
  }
}

/** Checks a client out of the pool for a transaction, its unavailability errors classified. */
export async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (err) {
    throw classifyPgError(err);
  }
}
