import { createRequire } from 'node:module';

/**
 * The few SQLite operations the store uses, over either driver: Node's built-in `node:sqlite`
 * wherever Node has it without a flag (22.13+ and 24), so that installing the kit compiles
 * nothing there; better-sqlite3, an optional peer dependency, on Node 20 (no node:sqlite) and
 * 22.12 (node:sqlite behind a flag). better-sqlite3 12, the last line that runs on Node 20,
 * aborts Node 24 when V8 collects its objects, so Node 24 never loads it. Both drivers are
 * synchronous and bind the same way.
 *
 * What callers can rely on, whichever driver: `?` and `@name` parameters (an object's keys
 * bare, extra keys ignored); rows are records (null-prototype on node:sqlite: map them, do not
 * hand them out) with INTEGER columns as numbers and BLOBs as Uint8Array (a Buffer on
 * better-sqlite3; asBuffer when a Buffer is needed); errors carry SQLite's name in `code`
 * (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY`, …). get/all are for statements that return rows,
 * run for those that do not: better-sqlite3 refuses the other way round, node:sqlite does not.
 */
export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

export interface SqliteStatement<Row = Record<string, unknown>> {
  get(...params: unknown[]): Row | undefined;
  all(...params: unknown[]): Row[];
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}

export interface SqliteDatabase {
  readonly driver: SqliteDriverName;
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare<Row = Record<string, unknown>>(sql: string): SqliteStatement<Row>;
  exec(sql: string): void;
  /** `PRAGMA <source>`'s rows (none for a pragma that sets). */
  pragma(source: string): Record<string, unknown>[];
  /** The first column of `PRAGMA <source>`'s first row. */
  pragmaValue(source: string): unknown;
  /**
   * `fn` wrapped in a transaction: BEGIN (IMMEDIATE when asked) … COMMIT, ROLLBACK when it
   * throws; inside another transaction, a SAVEPOINT instead. `fn` must be synchronous.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R, mode?: 'deferred' | 'immediate'): (...args: A) => R;
  close(): void;
}

const nodeMajor = Number(process.versions.node.split('.')[0]);

/** The driver this Node uses: node:sqlite where it has it (22.13+, 24), better-sqlite3 before. */
export function defaultSqliteDriver(): SqliteDriverName {
  return nodeSqlite() ? 'node:sqlite' : 'better-sqlite3';
}

/** The drivers that can run here: node:sqlite from Node 22.13, better-sqlite3 below Node 24 when installed. */
export function availableSqliteDrivers(): SqliteDriverName[] {
  const drivers: SqliteDriverName[] = [];
  if (nodeMajor < 24 && loadable('better-sqlite3')) drivers.push('better-sqlite3');
  if (nodeSqlite()) drivers.push('node:sqlite');
  return drivers;
}

export function openSqlite(file: string, driver: SqliteDriverName = defaultSqliteDriver()): SqliteDatabase {
  return driver === 'node:sqlite' ? new NodeSqlite(file) : new BetterSqlite(file);
}

/** A BLOB column's value as a Buffer (node:sqlite gives a Uint8Array), without copying. */
export function asBuffer(blob: Uint8Array): Buffer {
  return Buffer.isBuffer(blob) ? blob : Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
}

// Loaded on first use only, through require: Node 24 never loads better-sqlite3, Node 20
// never asks for node:sqlite, and a missing optional better-sqlite3 fails only when opened.
const load = createRequire(import.meta.url);

function loadable(id: string): boolean {
  try {
    load(id);
    return true;
  } catch {
    return false;
  }
}

type NodeSqliteModule = { DatabaseSync: new (file: string) => NodeDb };
let nodeSqliteModule: NodeSqliteModule | null | undefined;

/**
 * node:sqlite, or null where this Node has none (20; 22.12 without --experimental-sqlite).
 * Node 22 prints "ExperimentalWarning: SQLite is an experimental feature" when it is first
 * loaded: a test run or a server log would show it on every start for a module the user never
 * chose. That one warning is dropped, during this load only; every other warning passes.
 */
function nodeSqlite(): NodeSqliteModule | null {
  if (nodeSqliteModule !== undefined) return nodeSqliteModule;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: typeof process, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === 'string' ? warning : warning.message;
    if (type === 'ExperimentalWarning' && text.startsWith('SQLite is an experimental feature')) return;
    return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    nodeSqliteModule = load('node:sqlite') as NodeSqliteModule;
  } catch {
    nodeSqliteModule = null;
  } finally {
    process.emitWarning = emitWarning;
  }
  return nodeSqliteModule;
}

// How a native addon that is missing or built for another Node fails to load.
const NATIVE_FAILURE = /Could not locate the bindings file|NODE_MODULE_VERSION|invalid ELF header|was compiled against a different Node\.js version|cannot open shared object file|did not self-register/;

const alternatives = 'Or do without it: Node 22.13+ and 24 use their built-in node:sqlite and need nothing; PostgreSQL (DATABASE_URL=postgres://…) needs neither.';

/** What to do when better-sqlite3 cannot load: not installed (an optional peer), or installed but not built for this Node. */
function betterSqliteMissing(err: unknown): unknown {
  const { code, message = '' } = (err ?? {}) as { code?: string; message?: string };
  const here = `SQLite storage on Node ${process.versions.node}${nodeSqlite() ? ' with the better-sqlite3 driver' : ', which has no built-in node:sqlite,'}`;
  if (code === 'MODULE_NOT_FOUND' && message.includes("'better-sqlite3'")) {
    return new Error(
      `${here} needs the better-sqlite3 package, an optional peer dependency of oauth-apps-api that is not installed. ` +
        `Install it beside the kit: \`npm i -D better-sqlite3@12\` (\`pnpm add -D better-sqlite3@12\`, \`yarn add -D better-sqlite3@12\`); it downloads a prebuilt binary or compiles one. ${alternatives}`,
      { cause: err },
    );
  }
  if (NATIVE_FAILURE.test(message)) {
    return new Error(
      `${here} needs better-sqlite3's native addon, which is not built for this Node (${message.replace(/\s*\n\s*/g, ' ')}). ` +
        `Build it: \`npm rebuild better-sqlite3\`; with pnpm, allow its build script (\`pnpm approve-builds\`, or "onlyBuiltDependencies": ["better-sqlite3"]) and reinstall; ` +
        `with Yarn, \`yarn rebuild better-sqlite3\` (with enableScripts on). ${alternatives}`,
      { cause: err },
    );
  }
  return err;
}

// The slice of each driver's API used here (node:sqlite has no types in @types/node 20).
interface BetterDb {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteStatement<never>;
  exec(sql: string): void;
  pragma(source: string): unknown;
  close(): void;
}
interface NodeStatement extends SqliteStatement<never> {
  setAllowUnknownNamedParameters(allow: boolean): void;
}
interface NodeDb {
  readonly isOpen: boolean;
  readonly isTransaction: boolean;
  prepare(sql: string): NodeStatement;
  exec(sql: string): void;
  close(): void;
}

abstract class Base {
  private tx?: Record<'begin' | 'beginImmediate' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', SqliteStatement>;

  abstract readonly inTransaction: boolean;
  abstract prepare<Row>(sql: string): SqliteStatement<Row>;

  // better-sqlite3's own transaction(), over prepared statements, for both drivers alike.
  transaction<A extends unknown[], R>(fn: (...args: A) => R, mode: 'deferred' | 'immediate' = 'deferred'): (...args: A) => R {
    return (...args: A) => {
      const tx = (this.tx ??= {
        begin: this.prepare('BEGIN'),
        beginImmediate: this.prepare('BEGIN IMMEDIATE'),
        commit: this.prepare('COMMIT'),
        rollback: this.prepare('ROLLBACK'),
        savepoint: this.prepare('SAVEPOINT nested'),
        release: this.prepare('RELEASE nested'),
        rollbackTo: this.prepare('ROLLBACK TO nested'),
      });
      const nested = this.inTransaction;
      (nested ? tx.savepoint : mode === 'immediate' ? tx.beginImmediate : tx.begin).run();
      try {
        const result = fn(...args);
        if (result instanceof Promise) throw new TypeError('A transaction function cannot return a promise');
        (nested ? tx.release : tx.commit).run();
        return result;
      } catch (err) {
        // SQLite may have rolled back already (a full disk, say): then there is nothing to undo.
        if (this.inTransaction) {
          if (nested) (tx.rollbackTo.run(), tx.release.run());
          else tx.rollback.run();
        }
        throw err;
      }
    };
  }

  pragmaValue(source: string): unknown {
    const row = this.pragma(source)[0];
    return row && Object.values(row)[0];
  }

  abstract pragma(source: string): Record<string, unknown>[];
}

class BetterSqlite extends Base implements SqliteDatabase {
  readonly driver = 'better-sqlite3';
  private readonly db: BetterDb;

  constructor(file: string) {
    super();
    let Database: new (file: string) => BetterDb;
    try {
      Database = load('better-sqlite3') as typeof Database;
      // better-sqlite3 loads its addon only here: installed but never built (pnpm and Yarn skip
      // dependencies' build scripts until approved), or built for another Node.
      this.db = new Database(file);
    } catch (err) {
      throw betterSqliteMissing(err);
    }
  }

  get open() {
    return this.db.open;
  }
  get inTransaction() {
    return this.db.inTransaction;
  }
  // better-sqlite3's statements already behave as the interface says.
  prepare<Row>(sql: string): SqliteStatement<Row> {
    return this.db.prepare(sql);
  }
  exec(sql: string) {
    this.db.exec(sql);
  }
  pragma(source: string) {
    return this.db.pragma(source) as Record<string, unknown>[];
  }
  close() {
    this.db.close();
  }
}

class NodeSqlite extends Base implements SqliteDatabase {
  readonly driver = 'node:sqlite';
  private readonly db: NodeDb;

  constructor(file: string) {
    super();
    const sqlite = nodeSqlite();
    if (!sqlite) throw new Error(`node:sqlite is not available on Node ${process.versions.node} (it is from Node 22.13 and 24)`);
    const { DatabaseSync } = sqlite;
    this.db = named(() => new DatabaseSync(file));
  }

  get open() {
    return this.db.isOpen;
  }
  get inTransaction() {
    return this.db.isTransaction;
  }
  prepare<Row>(sql: string): SqliteStatement<Row> {
    return new NodeSqliteStatement<Row>(named(() => this.db.prepare(sql)));
  }
  exec(sql: string) {
    named(() => this.db.exec(sql));
  }
  pragma(source: string) {
    return named(() => this.db.prepare(`PRAGMA ${source}`).all()) as Record<string, unknown>[];
  }
  close() {
    this.db.close();
  }
}

// node:sqlite reports SQLite's extended result code as a number (errcode) under the generic
// code ERR_SQLITE_ERROR; better-sqlite3 names it in `code`. The names callers may test for:
const CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  8: 'SQLITE_READONLY',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  19: 'SQLITE_CONSTRAINT',
  26: 'SQLITE_NOTADB',
  261: 'SQLITE_BUSY_RECOVERY',
  264: 'SQLITE_READONLY_RECOVERY',
  520: 'SQLITE_READONLY_CANTLOCK',
  776: 'SQLITE_READONLY_ROLLBACK',
  1032: 'SQLITE_READONLY_DBMOVED',
  1288: 'SQLITE_READONLY_CANTINIT',
  1544: 'SQLITE_READONLY_DIRECTORY',
  275: 'SQLITE_CONSTRAINT_CHECK',
  517: 'SQLITE_BUSY_SNAPSHOT',
  787: 'SQLITE_CONSTRAINT_FOREIGNKEY',
  1299: 'SQLITE_CONSTRAINT_NOTNULL',
  1555: 'SQLITE_CONSTRAINT_PRIMARYKEY',
  2067: 'SQLITE_CONSTRAINT_UNIQUE',
};

function named<T>(op: () => T): T {
  try {
    return op();
  } catch (err) {
    throw rename(err);
  }
}

function rename(err: unknown): unknown {
  const e = err as { code?: string; errcode?: number };
  if (e.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') e.code = CODES[e.errcode] ?? `SQLITE_ERROR_${e.errcode}`;
  return err;
}

// On the hot path: plain methods, no closure per call.
class NodeSqliteStatement<Row> implements SqliteStatement<Row> {
  constructor(private readonly stmt: NodeStatement) {
    // better-sqlite3 ignores an object's keys that the SQL does not name; node:sqlite refuses them.
    stmt.setAllowUnknownNamedParameters(true);
  }
  get(...params: unknown[]): Row | undefined {
    try {
      return this.stmt.get(...params) as Row | undefined;
    } catch (err) {
      throw rename(err);
    }
  }
  all(...params: unknown[]): Row[] {
    try {
      return this.stmt.all(...params) as Row[];
    } catch (err) {
      throw rename(err);
    }
  }
  run(...params: unknown[]) {
    try {
      return this.stmt.run(...params);
    } catch (err) {
      throw rename(err);
    }
  }
}
