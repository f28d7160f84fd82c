import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { contains, jsonFacts, type JsonFact } from './contains.js';
import { defaultSqliteDriver, openSqlite, type SqliteDatabase, type SqliteDriverName, type SqliteStatement } from './sqlite-driver.js';
import { guard, isReadOnly, notWritable, probeWrite } from './sqlite-errors.js';
import { SqliteJournalState } from './sqlite-journal.js';
import { SqliteSandboxState } from './sqlite-sandbox.js';
import { DEFAULT_DATABASE_TIMEOUT_MS, DEFAULT_NAMESPACE, DuplicateClientIdError, DuplicateIdError, type Health, type ListFilter, type NewApp, type OauthApp, type JournalState, type OauthAppStore, type SandboxState, type UpdateInput } from './types.js';
import { nextTimestamp } from './time.js';

// Versioned migrations (PRAGMA user_version), applied in order on open inside one
// IMMEDIATE transaction, so two processes opening one file apply each exactly once.
// Append; never edit a released one. metadata_facts indexes the metadata filter: one row per
// leaf / node of each app's metadata (see jsonFacts), so a containment filter becomes index
// lookups instead of a scan.
export const MIGRATIONS: string[] = [
  // 1: the first layout (files from before versioning hold exactly this, at user_version 0).
  `CREATE TABLE IF NOT EXISTS oauth_apps (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    provider       TEXT NOT NULL,
    name           TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    client_secret  TEXT NOT NULL,
    metadata       TEXT NOT NULL,
    health_status  TEXT NOT NULL,
    health_notes   TEXT NOT NULL,
    health_time    TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (provider, client_id)
  );
  CREATE INDEX IF NOT EXISTS oauth_apps_provider ON oauth_apps (provider, seq);
  CREATE INDEX IF NOT EXISTS oauth_apps_health ON oauth_apps (health_status, seq);
  CREATE TABLE IF NOT EXISTS metadata_facts (
    path    TEXT NOT NULL,
    value   TEXT NOT NULL,
    app_seq INTEGER NOT NULL REFERENCES oauth_apps (seq) ON DELETE CASCADE,
    PRIMARY KEY (path, value, app_seq)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS metadata_facts_app ON metadata_facts (app_seq);`,
  // 2: namespaces. SQLite cannot change a UNIQUE constraint in place: the table is rebuilt
  // (its documented procedure, foreign keys off meanwhile), apps keeping their seq.
  // (filter column, seq) indexes: each namespace's lists come out in order without a sort.
  `CREATE TABLE oauth_apps_v2 (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace      TEXT NOT NULL DEFAULT '',
    id             TEXT NOT NULL,
    provider       TEXT NOT NULL,
    name           TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    client_secret  TEXT NOT NULL,
    metadata       TEXT NOT NULL,
    health_status  TEXT NOT NULL,
    health_notes   TEXT NOT NULL,
    health_time    TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (namespace, id),
    UNIQUE (namespace, provider, client_id)
  );
  INSERT INTO oauth_apps_v2 (seq, namespace, id, provider, name, client_id, client_secret, metadata, health_status, health_notes, health_time, created_at, updated_at)
    SELECT seq, '', id, provider, name, client_id, client_secret, metadata, health_status, health_notes, health_time, created_at, updated_at FROM oauth_apps;
  DROP TABLE oauth_apps;
  ALTER TABLE oauth_apps_v2 RENAME TO oauth_apps;
  CREATE INDEX oauth_apps_namespace ON oauth_apps (namespace, seq);
  CREATE INDEX oauth_apps_provider ON oauth_apps (namespace, provider, seq);
  CREATE INDEX oauth_apps_health ON oauth_apps (namespace, health_status, seq);
  CREATE TABLE sandbox_namespaces (
    id            TEXT PRIMARY KEY,
    token_hash    BLOB NOT NULL UNIQUE,
    seed          TEXT NOT NULL,
    ttl_ms        INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL
  );
  CREATE TABLE sandbox_faults (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    namespace   TEXT NOT NULL,
    definition  TEXT NOT NULL,
    remaining   INTEGER
  );
  CREATE INDEX sandbox_faults_namespace ON sandbox_faults (namespace, seq);`,
  // 3: the request journal (src/journal): each entry's JSON, and the columns its filters read.
  `CREATE TABLE sandbox_requests (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace     TEXT NOT NULL,
    operation_id  TEXT,
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    status        INTEGER NOT NULL,
    entry         TEXT NOT NULL
  );
  CREATE INDEX sandbox_requests_namespace ON sandbox_requests (namespace, seq);`,
];

function migrate(db: SqliteDatabase) {
  // foreign_keys cannot change inside a transaction; off, the rebuild's DROP does not cascade.
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      const version = db.pragmaValue('user_version') as number;
      for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
      if (version < MIGRATIONS.length) {
        if (db.pragma('foreign_key_check').length) throw new Error('SQLite migration broke a foreign key');
        db.pragma(`user_version = ${MIGRATIONS.length}`);
      }
    }, 'immediate')();
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

interface Row {
  seq: number;
  id: string;
  provider: OauthApp['provider'];
  name: string;
  client_id: string;
  client_secret: string;
  metadata: string;
  health_status: Health['status'];
  health_notes: string;
  health_time: string;
  created_at: string;
  updated_at: string;
}

const toApp = (r: Row): OauthApp => ({
  id: r.id,
  provider: r.provider,
  name: r.name,
  client_id: r.client_id,
  client_secret: r.client_secret,
  metadata: JSON.parse(r.metadata) as OauthApp['metadata'],
  health: { status: r.health_status, notes: JSON.parse(r.health_notes) as string[], time: r.health_time },
  created_at: r.created_at,
  updated_at: r.updated_at,
});

// The indexes a list reads a namespace's apps by, and the column each adds after namespace.
const APP_INDEXES = { oauth_apps_namespace: undefined, oauth_apps_provider: 'provider', oauth_apps_health: 'health_status' } as const;
type AppIndex = keyof typeof APP_INDEXES;

/**
 * Each set's size, given `count(limit)`, which counts at most `limit` of its rows: exact for
 * the smallest set, at least that for the others. The limit starts small and grows fourfold
 * until one set ends below it, and within a round each set is counted only up to the smallest
 * so far, so finding the smallest costs a few times its size, not the sizes of the big ones
 * (counting a set whole costs as much as reading it).
 */
function setSizes(counts: ((limit: number) => number)[]): number[] {
  for (let limit = 256; ; limit *= 4) {
    let best = limit;
    const sizes = counts.map((count) => {
      const n = count(best);
      best = Math.min(best, n);
      return n;
    });
    if (best < limit) return sizes;
  }
}

/** One open database, shared by the store's views of every namespace. */
class Core {
  readonly stmt;
  // Transaction wrappers, made once.
  readonly createInTx: (ns: string, app: NewApp) => OauthApp;
  readonly updateInTx: (ns: string, id: string, patch: UpdateInput) => OauthApp | undefined;
  // A handful of filter shapes recur; preparing each once keeps SQL parsing off the hot path.
  private readonly statements = new Map<string, SqliteStatement<Row>>();

  constructor(readonly db: SqliteDatabase) {
    this.stmt = {
      insert: db.prepare(`INSERT INTO oauth_apps (namespace, id, provider, name, client_id, client_secret, metadata,
        health_status, health_notes, health_time, created_at, updated_at)
        VALUES (@namespace, @id, @provider, @name, @client_id, @client_secret, @metadata,
        @health_status, @health_notes, @health_time, @created_at, @updated_at)`),
      insertFact: db.prepare('INSERT INTO metadata_facts (path, value, app_seq) VALUES (?, ?, ?)'),
      deleteFacts: db.prepare('DELETE FROM metadata_facts WHERE app_seq = ?'),
      get: db.prepare<Row>('SELECT * FROM oauth_apps WHERE namespace = ? AND id = ?'),
      update: db.prepare(`UPDATE oauth_apps SET name = @name, client_secret = @client_secret,
        metadata = @metadata, updated_at = @updated_at WHERE seq = @seq`),
      setHealth: db.prepare(`UPDATE oauth_apps SET health_status = @status, health_notes = @notes,
        health_time = @time WHERE seq = @seq`),
      delete: db.prepare('DELETE FROM oauth_apps WHERE namespace = ? AND id = ?'),
      clear: db.prepare('DELETE FROM oauth_apps WHERE namespace = ?'),
      count: db.prepare<{ n: number }>('SELECT count(*) AS n FROM oauth_apps WHERE namespace = ?'),
      // At most LIMIT rows counted (see setSizes); each walks one stretch of one index.
      countFact: db.prepare<{ n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM metadata_facts WHERE path = ? AND value = ? LIMIT ?)'),
      countApps: Object.fromEntries(
        Object.entries(APP_INDEXES).map(([index, column]) => [
          index,
          db.prepare<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM oauth_apps INDEXED BY ${index} WHERE namespace = ?${column ? ` AND ${column} = ?` : ''} LIMIT ?)`),
        ]),
      ) as Record<AppIndex, SqliteStatement<{ n: number }>>,
    };
    this.createInTx = db.transaction((ns: string, app: NewApp) => this.createTx(ns, app));
    this.updateInTx = db.transaction((ns: string, id: string, patch: UpdateInput) => this.updateTx(ns, id, patch));
  }

  prepared(sql: string) {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare<Row>(sql);
      if (this.statements.size < 64) this.statements.set(sql, s);
    }
    return s;
  }

  /**
   * The rows of a list, in seq order. With metadata facts it drives from the smallest set —
   * one fact's apps (a stretch of the metadata_facts primary key) or the namespace's apps (a
   * stretch of its (namespace[, provider | health], seq) index) — and checks each of its rows
   * against the other sets by an index probe, O(log n) apiece: a filter costs about its
   * smallest set times the number of keys, whatever other namespaces hold. The SQL it replaces,
   * `seq IN (facts 1) AND seq IN (facts 2)`, let SQLite take both lists as keys of one index
   * search (`seq=? AND rowid=?`: the same column twice) and try every pair, list 1 × list 2:
   * 31 s on the event loop for 8,000 apps sharing two keys (#24).
   */
  list(namespace: string, filter: ListFilter): Row[] {
    const appsWhere = ['a.namespace = ?'];
    const appsParams: unknown[] = [namespace];
    if (filter.provider) (appsWhere.push('a.provider = ?'), appsParams.push(filter.provider));
    if (filter.healthStatus) (appsWhere.push('a.health_status = ?'), appsParams.push(filter.healthStatus));
    // A few facts narrow enough; more would only lengthen the SQL (containment checks them all).
    const facts = jsonFacts(filter.metadata ?? {}).slice(0, 16);
    if (!facts.length) return this.prepared(`SELECT a.* FROM oauth_apps a WHERE ${appsWhere.join(' AND ')} ORDER BY a.seq`).all(...appsParams);

    // The namespace's side is counted, and read when it drives, on one index: provider's when
    // filtered by it, else health's, else the namespace's own.
    const index: AppIndex = filter.provider ? 'oauth_apps_provider' : filter.healthStatus ? 'oauth_apps_health' : 'oauth_apps_namespace';
    const indexKey = filter.provider ?? filter.healthStatus;
    const sets: (JsonFact | undefined)[] = [undefined, ...facts]; // undefined: the namespace's apps
    const sizes = setSizes(
      sets.map((fact) => (limit: number) =>
        fact
          ? this.stmt.countFact.get(fact.path, fact.value, limit)!.n
          : this.stmt.countApps[index].get(...(indexKey ? [namespace, indexKey] : [namespace]), limit)!.n,
      ),
    );
    if (Math.min(...sizes) === 0) return [];
    const ordered = sets.map((fact, i) => ({ fact, size: sizes[i]! })).sort((x, y) => x.size - y.size);

    // CROSS JOIN is SQLite's way to fix the join order (its left side is always the outer
    // loop): the smallest set first, then the others smallest first, each joined on the
    // driver's seq — one index search for a fact (at most one row: (path, value, app_seq) is
    // unique), a rowid lookup for the app. The driver's index is in seq order, so ORDER BY
    // needs no sort.
    const from: string[] = [];
    const where: string[] = [];
    const params: unknown[] = [];
    let seq = '';
    ordered.forEach(({ fact }, i) => {
      if (fact) {
        from.push(`metadata_facts f${i}`);
        where.push(`f${i}.path = ? AND f${i}.value = ?`);
        params.push(fact.path, fact.value);
        if (seq) where.push(`f${i}.app_seq = ${seq}`);
        else seq = `f${i}.app_seq`;
      } else {
        // Driving, it must read the index it was counted on (SQLite could pick health's for provider + health).
        from.push(seq ? 'oauth_apps a' : `oauth_apps a INDEXED BY ${index}`);
        where.push(...appsWhere);
        params.push(...appsParams);
        if (seq) where.push(`a.seq = ${seq}`);
        else seq = 'a.seq';
      }
    });
    return this.prepared(`SELECT a.* FROM ${from.join(' CROSS JOIN ')} WHERE ${where.join(' AND ')} ORDER BY ${seq}`).all(...params);
  }

  private indexMetadata(seq: number | bigint, metadata: Record<string, unknown>) {
    for (const f of jsonFacts(metadata)) this.stmt.insertFact.run(f.path, f.value, seq);
  }

  private createTx(namespace: string, app: NewApp): OauthApp {
    const now = new Date().toISOString();
    const created_at = app.created_at ?? now;
    const row = {
      namespace,
      id: app.id ?? randomUUID(),
      provider: app.provider,
      name: app.name,
      client_id: app.client_id,
      client_secret: app.client_secret,
      metadata: JSON.stringify(app.metadata ?? {}),
      health_status: app.health?.status ?? 'ok',
      health_notes: JSON.stringify(app.health?.notes ?? []),
      health_time: app.health?.time ?? created_at,
      created_at,
      updated_at: app.updated_at ?? created_at,
    };
    let seq: number | bigint;
    try {
      seq = this.stmt.insert.run(row).lastInsertRowid;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        if (String(err).includes('client_id')) throw new DuplicateClientIdError();
        if (String(err).includes('oauth_apps.id')) throw new DuplicateIdError();
      }
      throw err;
    }
    this.indexMetadata(seq, app.metadata ?? {});
    return toApp({ ...row, seq: Number(seq) } as Row);
  }

  private updateTx(namespace: string, id: string, patch: UpdateInput): OauthApp | undefined {
    const row = this.stmt.get.get(namespace, id);
    if (!row) return undefined;
    const next: Row = {
      ...row,
      name: patch.name ?? row.name,
      client_secret: patch.client_secret ?? row.client_secret,
      metadata: patch.metadata ? JSON.stringify(patch.metadata) : row.metadata,
      updated_at: nextTimestamp(row.updated_at),
    };
    this.stmt.update.run(next);
    if (patch.metadata) {
      this.stmt.deleteFacts.run(row.seq);
      this.indexMetadata(row.seq, patch.metadata);
    }
    return toApp(next);
  }
}

/**
 * SQLite (node:sqlite on Node 24+, better-sqlite3 before: see sqlite-driver.ts): WAL,
 * synchronous statements wrapped in the async interface.
 */
export class SqliteStore implements OauthAppStore {
  readonly location: string;
  readonly sandbox: SandboxState;
  readonly journal: JournalState;
  private readonly core: Core;
  private readonly views = new Map<string, OauthAppStore>();

  /**
   * `file` is a path or `:memory:`; another SqliteStore gives a view of its database from
   * `namespace`. `timeoutMs` is how long a statement waits for another process's lock
   * (busy_timeout). A file this process cannot write is refused here, with a message naming
   * it, rather than opened to fail every write later.
   */
  constructor(
    file: string | SqliteStore,
    private readonly namespace = DEFAULT_NAMESPACE,
    driver: SqliteDriverName = defaultSqliteDriver(),
    { timeoutMs = DEFAULT_DATABASE_TIMEOUT_MS }: { timeoutMs?: number } = {},
  ) {
    if (file instanceof SqliteStore) {
      ({ location: this.location, core: this.core, sandbox: this.sandbox, journal: this.journal } = file);
      return;
    }
    if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
    this.location = file === ':memory:' ? 'SQLite in memory (nothing is kept)' : `SQLite file ${resolve(file)}`;
    const db = openSqlite(file, driver);
    try {
      db.pragma('journal_mode = WAL');
      // NORMAL under WAL survives a process crash (kill -9) with every committed write; only an
      // OS crash or power loss can drop the last transactions.
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${timeoutMs}`);
      migrate(db);
      if (file !== ':memory:') probeWrite(db);
    } catch (err) {
      db.close();
      if (file !== ':memory:' && isReadOnly(err)) throw new Error(notWritable(resolve(file)), { cause: err });
      throw err;
    }
    this.core = new Core(db);
    this.sandbox = new SqliteSandboxState(db);
    this.journal = new SqliteJournalState(db);
  }

  inNamespace(id: string): OauthAppStore {
    if (id === this.namespace) return this;
    let view = this.views.get(id);
    if (!view) {
      view = new SqliteStore(this, id);
      // Views are tiny, but namespaces come and go: keep a bounded few.
      if (this.views.size >= 256) this.views.clear();
      this.views.set(id, view);
    }
    return view;
  }

  async create(app: NewApp): Promise<OauthApp> {
    return guard(() => this.core.createInTx(this.namespace, app));
  }

  async get(id: string): Promise<OauthApp | undefined> {
    const row = this.core.stmt.get.get(this.namespace, id);
    return row && toApp(row);
  }

  async list(filter: ListFilter): Promise<OauthApp[]> {
    const apps = this.core.list(this.namespace, filter).map(toApp);
    // The facts narrow; containment decides (facts cannot tell which array element matched).
    return filter.metadata ? apps.filter((a) => contains(a.metadata, filter.metadata)) : apps;
  }

  async update(id: string, patch: UpdateInput): Promise<OauthApp | undefined> {
    return guard(() => this.core.updateInTx(this.namespace, id, patch));
  }

  async setHealth(id: string, health: Omit<Health, 'time'>): Promise<OauthApp | undefined> {
    const row = this.core.stmt.get.get(this.namespace, id);
    if (!row) return undefined;
    const time = new Date().toISOString();
    guard(() => this.core.stmt.setHealth.run({ seq: row.seq, status: health.status, notes: JSON.stringify(health.notes), time }));
    return toApp({ ...row, health_status: health.status, health_notes: JSON.stringify(health.notes), health_time: time });
  }

  async delete(id: string): Promise<boolean> {
    return guard(() => this.core.stmt.delete.run(this.namespace, id).changes > 0);
  }

  async count(): Promise<number> {
    return this.core.stmt.count.get(this.namespace)!.n;
  }

  async clear(): Promise<void> {
    guard(() => this.core.stmt.clear.run(this.namespace));
  }

  async ping(): Promise<void> {
    this.core.db.pragmaValue('user_version');
  }

  async close(): Promise<void> {
    if (this.core.db.open) this.core.db.close();
  }
}
