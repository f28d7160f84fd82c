import { SqliteStore } from './sqlite.js';
import type { OauthAppStore } from './types.js';

export type { OauthAppStore } from './types.js';

/**
 * Opens the store a DATABASE_URL names:
 * `sqlite:./data/oauth-apps.db` (a file), `sqlite::memory:` (throwaway),
 * `postgres://…` / `postgresql://…` (PostgreSQL).
 */
export async function openStore(databaseUrl: string): Promise<OauthAppStore> {
  if (databaseUrl.startsWith('sqlite:')) return new SqliteStore(databaseUrl.slice('sqlite:'.length) || ':memory:');
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got ${redactUrl(databaseUrl)})`);
}

/** A database URL fit for logs: the password replaced. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
