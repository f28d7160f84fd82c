import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { contains, jsonFacts } from './contains.js';
import { DuplicateClientIdError, type Health, type ListFilter, type NewApp, type OauthApp, type OauthAppStore, type UpdateInput } from './types.js';
import { nextTimestamp } from './time.js';

// metadata_facts indexes the metadata filter: one row per leaf / node of each app's metadata
// (see jsonFacts), so a containment filter becomes index lookups instead of a scan.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS oauth_apps (
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
-- (filter column, seq): the list filters find their rows already in creation order, no sort.
CREATE INDEX IF NOT EXISTS oauth_apps_provider ON oauth_apps (provider, seq);
CREATE INDEX IF NOT EXISTS oauth_apps_health ON oauth_apps (health_status, seq);
CREATE TABLE IF NOT EXISTS metadata_facts (
  path    TEXT NOT NULL,
  value   TEXT NOT NULL,
  app_seq INTEGER NOT NULL REFERENCES oauth_apps (seq) ON DELETE CASCADE,
  PRIMARY KEY (path, value, app_seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS metadata_facts_app ON metadata_facts (app_seq);
`;

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

/** SQLite on better-sqlite3: WAL, synchronous statements wrapped in the async interface. */
export class SqliteStore implements OauthAppStore {
  readonly location: string;
  private readonly db: Database.Database;
  private readonly stmt;
  // Transaction wrappers, made once (better-sqlite3 builds a new wrapper per transaction() call).
  private readonly createInTx: (app: NewApp) => OauthApp;
  private readonly updateInTx: (id: string, patch: UpdateInput) => OauthApp | undefined;

  /** `file` is a path or `:memory:`. */
  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
    this.location = file === ':memory:' ? 'SQLite in memory (nothing is kept)' : `SQLite file ${resolve(file)}`;
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL under WAL survives a process crash (kill -9) with every committed write; only an
    // OS crash or power loss can drop the last transactions.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.stmt = {
      insert: this.db.prepare(`INSERT INTO oauth_apps (id, provider, name, client_id, client_secret, metadata,
        health_status, health_notes, health_time, created_at, updated_at)
        VALUES (@id, @provider, @name, @client_id, @client_secret, @metadata,
        @health_status, @health_notes, @health_time, @created_at, @updated_at)`),
      insertFact: this.db.prepare('INSERT INTO metadata_facts (path, value, app_seq) VALUES (?, ?, ?)'),
      deleteFacts: this.db.prepare('DELETE FROM metadata_facts WHERE app_seq = ?'),
      get: this.db.prepare<[string], Row>('SELECT * FROM oauth_apps WHERE id = ?'),
      update: this.db.prepare(`UPDATE oauth_apps SET name = @name, client_secret = @client_secret,
        metadata = @metadata, updated_at = @updated_at WHERE seq = @seq`),
      setHealth: this.db.prepare(`UPDATE oauth_apps SET health_status = @status, health_notes = @notes,
        health_time = @time WHERE seq = @seq`),
      delete: this.db.prepare('DELETE FROM oauth_apps WHERE id = ?'),
      clear: this.db.prepare('DELETE FROM oauth_apps'),
      count: this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM oauth_apps'),
    };
    this.createInTx = this.db.transaction((app: NewApp) => this.createTx(app));
    this.updateInTx = this.db.transaction((id: string, patch: UpdateInput) => this.updateTx(id, patch));
  }

  // A handful of filter shapes recur; preparing each once keeps SQL parsing off the hot path.
  private readonly statements = new Map<string, Database.Statement<unknown[], Row>>();
  private prepared(sql: string) {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare<unknown[], Row>(sql);
      if (this.statements.size < 64) this.statements.set(sql, s);
    }
    return s;
  }

  private indexMetadata(seq: number | bigint, metadata: Record<string, unknown>) {
    for (const f of jsonFacts(metadata)) this.stmt.insertFact.run(f.path, f.value, seq);
  }

  private readonly createTx = (app: NewApp): OauthApp => {
    const now = new Date().toISOString();
    const created_at = app.created_at ?? now;
    const row = {
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
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && String(err).includes('client_id')) {
        throw new DuplicateClientIdError();
      }
      throw err;
    }
    this.indexMetadata(seq, app.metadata ?? {});
    return toApp({ ...row, seq: Number(seq) } as Row);
  };

  async create(app: NewApp): Promise<OauthApp> {
    return this.createInTx(app);
  }

  async get(id: string): Promise<OauthApp | undefined> {
    const row = this.stmt.get.get(id);
    return row && toApp(row);
  }

  async list(filter: ListFilter): Promise<OauthApp[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.provider) (where.push('provider = ?'), params.push(filter.provider));
    if (filter.healthStatus) (where.push('health_status = ?'), params.push(filter.healthStatus));
    // A few facts narrow enough; more would only lengthen the SQL (containment checks them all).
    for (const f of jsonFacts(filter.metadata ?? {}).slice(0, 16)) {
      where.push('seq IN (SELECT app_seq FROM metadata_facts WHERE path = ? AND value = ?)');
      params.push(f.path, f.value);
    }
    const sql = `SELECT * FROM oauth_apps ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
    const apps = this.prepared(sql).all(...params).map(toApp);
    // The facts narrow; containment decides (facts cannot tell which array element matched).
    return filter.metadata ? apps.filter((a) => contains(a.metadata, filter.metadata)) : apps;
  }

  private readonly updateTx = (id: string, patch: UpdateInput): OauthApp | undefined => {
    const row = this.stmt.get.get(id);
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
  };

  async update(id: string, patch: UpdateInput): Promise<OauthApp | undefined> {
    return this.updateInTx(id, patch);
  }

  async setHealth(id: string, health: Omit<Health, 'time'>): Promise<OauthApp | undefined> {
    const row = this.stmt.get.get(id);
    if (!row) return undefined;
    const time = new Date().toISOString();
    this.stmt.setHealth.run({ seq: row.seq, status: health.status, notes: JSON.stringify(health.notes), time });
    return toApp({ ...row, health_status: health.status, health_notes: JSON.stringify(health.notes), health_time: time });
  }

  async delete(id: string): Promise<boolean> {
    return this.stmt.delete.run(id).changes > 0;
  }

  async count(): Promise<number> {
    return this.stmt.count.get()!.n;
  }

  async clear(): Promise<void> {
    this.stmt.clear.run();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
