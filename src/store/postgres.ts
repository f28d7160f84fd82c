import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { connect, query } from './postgres-errors.js';
import { PostgresJournalState } from './postgres-journal.js';
import { PostgresSandboxState } from './postgres-sandbox.js';
import { DEFAULT_DATABASE_TIMEOUT_MS, DEFAULT_NAMESPACE, DuplicateClientIdError, StoreUnavailableError, DuplicateIdError, type Health, type ListFilter, type NewApp, type OauthApp, type OauthAppStore, type UpdateInput } from './types.js';

// Versioned migrations, applied in order on start under an advisory lock, so that two
// instances starting at once apply each exactly once. Append; never edit a released one.
// Timestamps are kept as the ISO 8601 text the API returns, and metadata as the `json` it
// was sent (key order kept), as in the SQLite store, so values round-trip exactly whatever
// the backend; `metadata_index` is the same document as `jsonb`, for the GIN index.
export const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE oauth_apps (
        seq            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id             uuid PRIMARY KEY,
        provider       text NOT NULL,
        name           text NOT NULL,
        client_id      text NOT NULL,
        client_secret  text NOT NULL,
        metadata       json NOT NULL,
        metadata_index jsonb NOT NULL,
        health_status  text NOT NULL,
        health_notes   jsonb NOT NULL,
        health_time    text NOT NULL,
        created_at     text NOT NULL,
        updated_at     text NOT NULL,
        CONSTRAINT oauth_apps_provider_client_id UNIQUE (provider, client_id)
      );
      CREATE INDEX oauth_apps_provider ON oauth_apps (provider, seq);
      CREATE INDEX oauth_apps_health ON oauth_apps (health_status, seq);
      CREATE INDEX oauth_apps_metadata ON oauth_apps USING gin (metadata_index jsonb_path_ops);`,
  },
  {
    // Namespaces: ids and provider + client_id unique per namespace ('' is the default one);
    // the sandbox's namespaces and faults move into the database, shared by every instance.
    version: 2,
    sql: `
      ALTER TABLE oauth_apps ADD COLUMN namespace text NOT NULL DEFAULT '';
      ALTER TABLE oauth_apps DROP CONSTRAINT oauth_apps_pkey, ADD PRIMARY KEY (namespace, id);
      ALTER TABLE oauth_apps DROP CONSTRAINT oauth_apps_provider_client_id,
        ADD CONSTRAINT oauth_apps_provider_client_id UNIQUE (namespace, provider, client_id);
      DROP INDEX oauth_apps_provider;
      DROP INDEX oauth_apps_health;
      CREATE INDEX oauth_apps_namespace ON oauth_apps (namespace, seq);
      CREATE INDEX oauth_apps_provider ON oauth_apps (namespace, provider, seq);
      CREATE INDEX oauth_apps_health ON oauth_apps (namespace, health_status, seq);
      CREATE TABLE sandbox_namespaces (
        id            uuid PRIMARY KEY,
        token_hash    bytea NOT NULL UNIQUE,
        seed          json NOT NULL,
        ttl_ms        bigint NOT NULL,
        created_at    bigint NOT NULL,
        last_used_at  bigint NOT NULL
      );
      CREATE TABLE sandbox_faults (
        seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id          uuid PRIMARY KEY,
        namespace   text NOT NULL,
        definition  json NOT NULL,
        remaining   integer
      );
      CREATE INDEX sandbox_faults_namespace ON sandbox_faults (namespace, seq);`,
  },
  {
    // The request journal (src/journal), shared by every instance: each entry's JSON, and the
    // columns its filters read. seq orders the entries of all instances.
    version: 3,
    sql: `
      CREATE TABLE sandbox_requests (
        seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        namespace     text NOT NULL,
        operation_id  text,
        method        text NOT NULL,
        path          text NOT NULL,
        status        integer NOT NULL,
        entry         json NOT NULL
      );
      CREATE INDEX sandbox_requests_namespace ON sandbox_requests (namespace, seq);`,
  },
];

interface Row {
  id: string;
  provider: OauthApp['provider'];
  name: string;
  client_id: string;
  client_secret: string;
  metadata: OauthApp['metadata'];
  health_status: Health['status'];
  health_notes: string[];
  health_time: string;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, provider, name, client_id, client_secret, metadata, health_status, health_notes, health_time, created_at, updated_at';
const toApp = (r: Row): OauthApp => ({
  id: r.id,
  provider: r.provider,
  name: r.name,
  client_id: r.client_id,
  client_secret: r.client_secret,
  metadata: r.metadata,
  health: { status: r.health_status, notes: r.health_notes, time: r.health_time },
  created_at: r.created_at,
  updated_at: r.updated_at,
});

// now, or 1 ms after the previous value if the clock has not moved past it (monotonic per app).
const NEXT_UPDATED_AT = `to_char(greatest(clock_timestamp(), updated_at::timestamptz + interval '1 millisecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * PostgreSQL on a `pg` pool. Several server instances can share one database: uniqueness
 * is the database's constraint, updates are single atomic statements, and the metadata
 * filter is `jsonb @>` on a GIN index.
 *
 * `?schema=name` in the URL keeps the tables in that schema (created if missing): several
 * sandboxes, or test runs, can share one database.
 */
export class PostgresStore implements OauthAppStore {
  private readonly views = new Map<string, OauthAppStore>();

  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
    readonly sandbox: PostgresSandboxState,
    private readonly namespace = DEFAULT_NAMESPACE,
    readonly journal: PostgresJournalState,
  ) {}

  /**
   * `timeoutMs` bounds every wait on the database: getting a connection (the pool's
   * connectionTimeoutMillis, queueing for a free one included) and each statement (the
   * server's statement_timeout, and the client's query_timeout for a server that does not
   * answer at all). Past it the call fails with StoreUnavailableError: a request gets a 503
   * within about that time instead of hanging, and start-up fails instead of waiting forever.
   */
  static async open(databaseUrl: string, { timeoutMs = DEFAULT_DATABASE_TIMEOUT_MS }: { timeoutMs?: number } = {}): Promise<PostgresStore> {
    const url = new URL(databaseUrl);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new Error(`DATABASE_URL schema must be a lower-case SQL identifier (got '${schema}')`);
    }
    const timeouts = { connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, statement_timeout: timeoutMs };
    const clientConfig = { connectionString: url.toString(), ...timeouts, ...(schema ? { options: `-c search_path=${schema}` } : {}) };
    const pool = new pg.Pool({ ...clientConfig, max: 10 });
    // An idle client that loses its connection must not crash the process.
    pool.on('error', () => undefined);
    const location = `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}${schema ? ` (schema ${schema})` : ''}`;
    const store = new PostgresStore(pool, location, new PostgresSandboxState(pool, clientConfig, schema), DEFAULT_NAMESPACE, new PostgresJournalState(clientConfig));
    try {
      await store.migrate(schema);
    } catch (err) {
      await pool.end();
      // Said once, at start-up, in a line an operator can act on (the URL's password never in it).
      if (err instanceof StoreUnavailableError) {
        throw new Error(`${location} is unavailable, so the server does not start: ${(err.cause as Error).message} (each wait on it is bounded by DATABASE_TIMEOUT_MS, ${timeoutMs} ms)`, { cause: err });
      }
      throw err;
    }
    return store;
  }

  private async migrate(schema: string | undefined) {
    const client = await connect(this.pool);
    let lost: Error | undefined;
    try {
      await query(client, 'BEGIN');
      await query(client, `SELECT pg_advisory_xact_lock(hashtext('oauth-apps-migrations:' || $1))`, [schema ?? '']);
      if (schema) await query(client, `CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await query(client, 'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rows } = await query<{ version: number }>(client, 'SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => r.version));
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await query(client, m.sql);
        await query(client, 'INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      }
      await query(client, 'COMMIT');
    } catch (err) {
      await query(client, 'ROLLBACK').catch(() => undefined);
      // A client whose connection failed must not go back to the pool for the next request.
      if (err instanceof StoreUnavailableError) lost = err;
      throw err;
    } finally {
      client.release(lost);
    }
  }

  inNamespace(id: string): OauthAppStore {
    if (id === this.namespace) return this;
    let view = this.views.get(id);
    if (!view) {
      view = new PostgresStore(this.pool, this.location, this.sandbox, id, this.journal);
      if (this.views.size >= 256) this.views.clear();
      this.views.set(id, view);
    }
    return view;
  }

  async create(app: NewApp): Promise<OauthApp> {
    const now = new Date().toISOString();
    const created_at = app.created_at ?? now;
    try {
      const { rows } = await query<Row>(this.pool, 
        `INSERT INTO oauth_apps (${COLUMNS}, metadata_index, namespace) VALUES ($1, $2, $3, $4, $5, $6::text::json, $7, $8, $9, $10, $11, $6::text::jsonb, $12) RETURNING ${COLUMNS}`,
        [
          app.id ?? randomUUID(),
          app.provider,
          app.name,
          app.client_id,
          app.client_secret,
          JSON.stringify(app.metadata ?? {}),
          app.health?.status ?? 'ok',
          JSON.stringify(app.health?.notes ?? []),
          app.health?.time ?? created_at,
          created_at,
          app.updated_at ?? created_at,
          this.namespace,
        ],
      );
      return toApp(rows[0]!);
    } catch (err) {
      const constraint = (err as { constraint?: string }).constraint;
      if (constraint === 'oauth_apps_provider_client_id') throw new DuplicateClientIdError();
      if (constraint === 'oauth_apps_pkey') throw new DuplicateIdError();
      throw err;
    }
  }

  async get(id: string): Promise<OauthApp | undefined> {
    const { rows } = await query<Row>(this.pool, `SELECT ${COLUMNS} FROM oauth_apps WHERE namespace = $1 AND id = $2`, [this.namespace, id]);
    return rows[0] && toApp(rows[0]);
  }

  async list(filter: ListFilter): Promise<OauthApp[]> {
    const where: string[] = ['namespace = $1'];
    const params: unknown[] = [this.namespace];
    const add = (sql: string, value: unknown) => (params.push(value), where.push(sql.replace('?', `$${params.length}`)));
    if (filter.provider) add('provider = ?', filter.provider);
    if (filter.healthStatus) add('health_status = ?', filter.healthStatus);
    if (filter.metadata && Object.keys(filter.metadata).length) add('metadata_index @> ?::jsonb', JSON.stringify(filter.metadata));
    const sql = `SELECT ${COLUMNS} FROM oauth_apps WHERE ${where.join(' AND ')} ORDER BY seq`;
    return (await query<Row>(this.pool, sql, params)).rows.map(toApp);
  }

  async update(id: string, patch: UpdateInput): Promise<OauthApp | undefined> {
    const { rows } = await query<Row>(this.pool, 
      `UPDATE oauth_apps SET name = coalesce($2, name), client_secret = coalesce($3, client_secret),
         metadata = coalesce($4::text::json, metadata), metadata_index = coalesce($4::text::jsonb, metadata_index),
         updated_at = ${NEXT_UPDATED_AT}
       WHERE id = $1 AND namespace = $5 RETURNING ${COLUMNS}`,
      [id, patch.name ?? null, patch.client_secret ?? null, patch.metadata ? JSON.stringify(patch.metadata) : null, this.namespace],
    );
    return rows[0] && toApp(rows[0]);
  }

  async setHealth(id: string, health: Omit<Health, 'time'>): Promise<OauthApp | undefined> {
    const { rows } = await query<Row>(this.pool, 
      `UPDATE oauth_apps SET health_status = $2, health_notes = $3::jsonb, health_time = $4 WHERE id = $1 AND namespace = $5 RETURNING ${COLUMNS}`,
      [id, health.status, JSON.stringify(health.notes), new Date().toISOString(), this.namespace],
    );
    return rows[0] && toApp(rows[0]);
  }

  async delete(id: string): Promise<boolean> {
    return ((await query(this.pool, 'DELETE FROM oauth_apps WHERE namespace = $1 AND id = $2', [this.namespace, id])).rowCount ?? 0) > 0;
  }

  async count(): Promise<number> {
    return Number((await query<{ n: string }>(this.pool, 'SELECT count(*) AS n FROM oauth_apps WHERE namespace = $1', [this.namespace])).rows[0]!.n);
  }

  async clear(): Promise<void> {
    await query(this.pool, 'DELETE FROM oauth_apps WHERE namespace = $1', [this.namespace]);
  }

  async ping(): Promise<void> {
    await query(this.pool, 'SELECT 1');
  }

  async close(): Promise<void> {
    await this.sandbox.close();
    await this.journal.close();
    if (!this.pool.ended) await this.pool.end();
  }
}
