import { SqliteStore } from './sqlite.js';
import type { OauthAppStore } from './types.js';

export type { OauthAppStore } from './types.js';

export interface StoreOptions {
  /** Bound on each wait on the database, in ms (DATABASE_TIMEOUT_MS; default DEFAULT_DATABASE_TIMEOUT_MS). */
  timeoutMs?: number;
}

/**
 * Opens the store a DATABASE_URL names:
 * `sqlite:./data/oauth-apps.db` (a file), `sqlite::memory:` (throwaway),
 * `postgres://…` / `postgresql://…` (PostgreSQL; `?schema=name` to use a schema of its own).
 */
export async function openStore(databaseUrl: string, options: StoreOptions = {}): Promise<OauthAppStore> {
  if (databaseUrl.startsWith('sqlite:')) return new SqliteStore(databaseUrl.slice('sqlite:'.length) || ':memory:', undefined, undefined, options);
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    // Loaded only when asked for: SQLite users never pay pg's start-up cost.
    const { PostgresStore } = await import('./postgres.js');
    return PostgresStore.open(databaseUrl, options);
  }
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got ${redactUrl(databaseUrl)})`);
}

/** A database URL fit for logs: the password replaced. */
function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
