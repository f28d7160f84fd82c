import { accessSync, constants } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { SqliteDatabase } from './sqlite-driver.js';
import { StoreUnavailableError } from './types.js';

const code = (err: unknown) => (typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined);

/** SQLITE_READONLY and its extended codes (…_DIRECTORY, …_DBMOVED, …). */
export const isReadOnly = (err: unknown) => typeof code(err) === 'string' && (code(err) as string).startsWith('SQLITE_READONLY');

/**
 * The driver's error as a StoreUnavailableError when the file cannot take the write now but
 * may later: the disk is full (SQLITE_FULL), another process holds the lock past busy_timeout
 * (SQLITE_BUSY), the file became read-only. The same statement succeeds once that clears, as
 * the store holds no state a failed write could leave half-done (transactions roll back).
 */
export function classifySqliteError(err: unknown): unknown {
  const c = code(err);
  if (typeof c !== 'string' || !(c.startsWith('SQLITE_FULL') || c.startsWith('SQLITE_BUSY') || isReadOnly(err))) return err;
  return new StoreUnavailableError(`SQLite unavailable: ${(err as Error).message} (${c})`, { cause: err });
}

/** Runs a (synchronous) write, its unavailability errors classified. */
export function guard<T>(write: () => T): T {
  try {
    return write();
  } catch (err) {
    throw classifySqliteError(err);
  }
}

const ROLLBACK = Symbol('rollback');

/**
 * Throws SQLITE_READONLY when the file cannot be written. Opening does not tell: SQLite opens
 * a file it may not write read-only, without a word, and even BEGIN IMMEDIATE succeeds; only
 * a write does. This one rewrites user_version with its own value, and is rolled back.
 */
export function probeWrite(db: SqliteDatabase) {
  const version = db.pragmaValue('user_version') as number;
  try {
    db.transaction(() => {
      db.pragma(`user_version = ${version}`);
      throw ROLLBACK;
    }, 'immediate')();
  } catch (err) {
    if (err !== ROLLBACK) throw err;
  }
}

/** One line for the operator: which file, what is not writable, what to do. */
export function notWritable(file: string): string {
  const writable = (path: string) => {
    try {
      accessSync(path, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  const what = !writable(file) ? 'the file is read-only' : !writable(dirname(file)) ? 'its folder is read-only' : 'the file system refuses writes';
  return (
    `SQLite file ${file} cannot be written (${what}): every write would fail, so the server does not start. ` +
    `Make the file and its folder writable by this user (WAL keeps ${basename(file)}-wal and ${basename(file)}-shm beside it), or choose another --database-url.`
  );
}
