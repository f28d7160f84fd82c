import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Which backend this vitest project runs on (vitest.config.ts sets TEST_STORE per project):
 * the whole suite runs once on SQLite and once on PostgreSQL.
 */
export const onPostgres = process.env.TEST_STORE === 'postgres';
export const pgTestUrl = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const schemas: string[] = [];

/** A fresh, empty database for one server or store: in-memory SQLite, or a PostgreSQL schema of its own. */
export function freshDatabaseUrl(): string {
  if (!onPostgres) return 'sqlite::memory:';
  const schema = `test_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  const url = new URL(pgTestUrl);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** Drops the PostgreSQL schema of a URL freshDatabaseUrl made; all of them when none is given. */
export async function dropTestSchemas(databaseUrl?: string) {
  const schema = databaseUrl ? new URL(databaseUrl).searchParams.get('schema') : undefined;
  const drop = schema ? schemas.filter((s) => s === schema) : [...schemas];
  if (!onPostgres || drop.length === 0) return;
  const client = new pg.Client({ connectionString: pgTestUrl });
  await client.connect();
  try {
    for (const s of drop) {
      await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      schemas.splice(schemas.indexOf(s), 1);
    }
  } finally {
    await client.end();
  }
}
