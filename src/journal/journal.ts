import type { Express, Request, RequestHandler, Response } from 'express';
// Node's own timers: under a test's fake timers (the in-process API) the globals never fire.
import { clearImmediate, clearTimeout, setImmediate, setTimeout } from 'node:timers';
import type { Logger } from 'pino';
import type { JournalQuery, JournalRecord, JournalState } from '../store/types.js';
import { unref } from '../timers.js';
import { observe, toRecord, type Observed, type RequestEntry } from './entry.js';

const OBSERVING = Symbol('journal: the request being observed');
/** What the step notes when a request arrives, and the body the response sends. */
interface Observing {
  arrivedAt: number;
  started: number;
  responseBody: unknown;
}

export const DEFAULT_JOURNAL_SIZE = 1000;
/**
 * On SQLite, how long entries gather before one transaction writes them (a read, a close or
 * `maxPending` entries write them at once). Of what gathered, only each namespace's newest
 * `size` entries are written: the rest would be pruned before anyone could read them.
 * So a server under load spends its journal work on what survives; a crash loses at most this
 * much of the journal, never an app.
 */
const WRITE_DELAY_MS = 1000;
/** How many entries may wait before their write starts at once (PostgreSQL; on SQLite, at least this many). */
const MAX_BATCH = 500;
/** And how much entry text may wait (about 16 MB): a batch of large entries (lists) is written sooner. */
const MAX_PENDING_CHARS = 16 * 1024 * 1024;
/**
 * Where responses wait for their batch (PostgreSQL), how many batches may be in flight at once.
 * With one, a request arriving while a batch commits waits for that commit and then its own
 * (two round-trips); with several, its batch starts at once on a free connection. The store's
 * journal pool keeps one connection more, for reads and pruning.
 */
const SHARED_WRITERS = 3;

export interface JournalFilter {
  operation_id?: string;
  method?: string;
  status?: number;
  path?: string;
  since?: number;
  before?: number;
  limit?: number;
}

/**
 * The request journal: every /v1 request a namespace's token made, with its answer, the newest
 * `size` per namespace (0: off). Kept in the store's database (src/store/*-journal.ts), so one
 * journal serves every instance on a PostgreSQL database.
 *
 * Once a request is answered its entry is made (masked, as one JSON string) and waits to be
 * written with others, in batches. On a database other processes read (PostgreSQL) a response
 * is sent once its batch is written, so a client that has its answer finds the entry through
 * any instance; on SQLite (one process per file) the response goes at once and a read first
 * writes what is pending.
 */
export class Journal {
  private pending: JournalRecord[] = [];
  private pendingChars = 0;
  /** When `pending` is next cut to what can survive (see `add`). */
  private trimAt: { entries: number; chars: number };
  /** The write that will take `pending`, once started; `wake` starts it now. */
  private next: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private urgent = false;
  /** The writes started and not yet done (at most `writers`). */
  private readonly writing = new Set<Promise<void>>();
  private readonly writers: number;
  /** Entries appended per namespace since its last prune: pruning walks `size` index entries, so it runs once per tenth of them. */
  private unpruned = new Map<string, number>();

  /** How many entries may wait before a write starts at once: memory stays bounded under any load. */
  private readonly maxPending: number;

  constructor(
    private readonly state: JournalState,
    readonly size: number = DEFAULT_JOURNAL_SIZE,
  ) {
    this.writers = state.shared ? SHARED_WRITERS : 1;
    this.maxPending = state.shared ? MAX_BATCH : Math.max(MAX_BATCH, 4 * size);
    this.trimAt = { entries: this.maxPending, chars: MAX_PENDING_CHARS };
  }

  get enabled(): boolean {
    return this.size > 0;
  }

  /**
   * The pipeline step, first of the /v1 surface: records the request once it is answered, in
   * the namespace auth found for its token. A request refused before auth ran (a body that is
   * not JSON, too large) has its token looked up by `namespaceOf`; a 401 opens no namespace
   * and is not recorded.
   *
   * It sees the response through `res.json` and `res.end`, overridden once on the app's own
   * response prototype (Express gives every response of `app` that prototype): a request pays
   * one small object, not two closures and two own properties on its response.
   */
  step(app: Express, log: Logger, namespaceOf: (req: Request) => Promise<string | undefined>): RequestHandler {
    const report = (err: unknown) => log.warn({ reason: (err as Error).message }, 'request journal write failed');
    const add = (req: Request, res: Response, observed: Omit<Observed, 'namespace'>): Promise<void> | undefined => {
      const namespace = res.locals.namespace as string | undefined;
      if (namespace !== undefined) return this.add({ ...observed, namespace }, report);
      if (observed.status === 401) return undefined;
      return namespaceOf(req).then(
        (ns) => (ns === undefined ? undefined : this.add({ ...observed, namespace: ns }, report)),
        report,
      );
    };
    type Observable = Response & { [OBSERVING]?: Observing };
    const proto = app.response as Observable;
    // What the overrides stand in for, looked up on every call: the in-process API's
    // light-my-request re-parents this prototype after the app is built.
    const inherited = () => Object.getPrototypeOf(proto) as Observable;
    proto.json = function (this: Observable, body: unknown) {
      const observing = this[OBSERVING];
      if (observing) observing.responseBody = body;
      return inherited().json.call(this, body);
    };
    proto.end = function (this: Observable, ...args: unknown[]) {
      const { end } = inherited();
      const observing = this[OBSERVING];
      if (!observing) return end.apply(this, args as never);
      this[OBSERVING] = undefined;
      const { req } = this;
      const written = add(req, this, observe(req, this, observing.arrivedAt, performance.now() - observing.started, observing.responseBody));
      if (!written) return end.apply(this, args as never);
      written.then(() => end.apply(this, args as never)).catch(report);
      return this;
    } as Observable['end'];
    return (_req, res, next) => {
      (res as Observable)[OBSERVING] = { arrivedAt: Date.now(), started: performance.now(), responseBody: undefined };
      next();
    };
  }

  /** Queues an entry; returns what the response must wait for (PostgreSQL), or nothing. */
  private add(observed: Observed, report: (err: unknown) => void): Promise<void> | undefined {
    // The record (its entry as one string) is made at once: what waits for the batch is then
    // a string, not the bodies' objects, which would outlive the young generation (under
    // load, the GC's old-space work cost more than making every record).
    try {
      const record = toRecord(observed);
      this.pending.push(record);
      this.pendingChars += record.entry.length;
    } catch (err) {
      report(err); // an entry that cannot be made must not cost the others
      return undefined;
    }
    this.next ??= this.writeNext(report);
    if (this.pending.length >= this.trimAt.entries || this.pendingChars >= this.trimAt.chars) {
      this.hurry();
      // While a write is under way (a large batch goes in slices; a database can be slow),
      // entries may arrive faster than it takes them. Of what waits, only each namespace's
      // newest `size` can survive: the rest goes now, so memory stays bounded at any rate.
      this.pending = this.surviving(this.pending);
      this.pendingChars = this.pending.reduce((n, r) => n + r.entry.length, 0);
      // Not again until what waits has doubled: trimming stays a small share of the work.
      this.trimAt = { entries: Math.max(this.maxPending, 2 * this.pending.length), chars: Math.max(MAX_PENDING_CHARS, 2 * this.pendingChars) };
    }
    return this.state.shared ? this.next : undefined;
  }

  /**
   * The next batch's write, once a writer is free (`writers` at a time): what arrives while
   * every writer is busy joins the next batch, so a busy server writes few, large batches.
   * Where responses wait for it (PostgreSQL) it starts on the next turn of the event loop; on
   * SQLite (one writer) it waits up to WRITE_DELAY_MS (or a read, or `maxPending` entries), then
   * writes them all in short transactions (src/store/sqlite-journal.ts).
   */
  private async writeNext(report: (err: unknown) => void): Promise<void> {
    while (this.writing.size >= this.writers) await Promise.race(this.writing);
    if (!this.urgent) await new Promise<void>((resolve) => {
      const timer = this.state.shared ? setImmediate(resolve) : unref(setTimeout(resolve, WRITE_DELAY_MS));
      this.wake = () => {
        if (this.state.shared) clearImmediate(timer as NodeJS.Immediate);
        else clearTimeout(timer as NodeJS.Timeout);
        resolve();
      };
    });
    this.wake = undefined;
    this.urgent = false;
    const records = this.surviving(this.pending);
    this.pending = [];
    this.pendingChars = 0;
    this.trimAt = { entries: this.maxPending, chars: MAX_PENDING_CHARS };
    this.next = undefined;
    if (!records.length) return;
    const write: Promise<void> = this.state
      .append(records)
      .then(() => this.pruneLater(records, report), report)
      .then(() => void this.writing.delete(write));
    this.writing.add(write);
    await write;
  }

  /** Each namespace's newest `size` entries of a batch, in order: the older ones would be pruned unread. */
  private surviving(batch: JournalRecord[]): JournalRecord[] {
    if (batch.length <= this.size) return batch;
    const kept = new Map<string, number>();
    const survivors: JournalRecord[] = [];
    for (let i = batch.length - 1; i >= 0; i--) {
      const o = batch[i]!;
      const n = kept.get(o.namespace) ?? 0;
      if (n === this.size) continue;
      kept.set(o.namespace, n + 1);
      survivors.push(o);
    }
    return survivors.reverse();
  }

  /** Writes what is pending now; resolves once every write so far is done (failed writes are reported and dropped). */
  async flush(): Promise<void> {
    while (this.next) {
      const next = this.next;
      this.hurry();
      await next;
    }
    await Promise.all(this.writing);
  }

  /** The next batch is written without waiting. */
  private hurry() {
    this.urgent = true;
    this.wake?.();
  }

  // After the batch is written, and not waited for by responses.
  private pruneLater(records: JournalRecord[], report: (err: unknown) => void) {
    const due: string[] = [];
    for (const { namespace } of records) {
      const n = (this.unpruned.get(namespace) ?? 0) + 1;
      this.unpruned.set(namespace, n);
      if (n === Math.ceil(this.size / 10)) due.push(namespace);
    }
    if (due.length) void this.prune(due).catch(report);
  }

  private async prune(namespaces: string[]) {
    for (const ns of namespaces) this.unpruned.delete(ns);
    await this.state.prune(namespaces, this.size);
  }

  /** A read sees every entry answered before it (written first) and never more than `size`. */
  private async settled(namespace: string) {
    await this.flush();
    if (this.enabled) await this.prune([namespace]);
  }

  async list(namespace: string, filter: JournalFilter = {}): Promise<RequestEntry[]> {
    await this.settled(namespace);
    const query: JournalQuery = {
      operationId: filter.operation_id,
      method: filter.method?.toUpperCase(),
      status: filter.status,
      path: filter.path,
      since: filter.since,
      before: filter.before,
      limit: filter.limit ?? 100,
    };
    return (await this.state.list(namespace, query)).map(({ id, entry }) => ({ id, ...(JSON.parse(entry) as Omit<RequestEntry, 'id'>) }));
  }

  async get(namespace: string, id: number): Promise<RequestEntry | undefined> {
    await this.settled(namespace);
    const entry = await this.state.get(namespace, id);
    return entry === undefined ? undefined : { id, ...(JSON.parse(entry) as Omit<RequestEntry, 'id'>) };
  }

  async clear(namespace: string): Promise<number> {
    await this.flush();
    this.unpruned.delete(namespace);
    return this.state.clear(namespace);
  }

  async counts(namespace: string) {
    await this.settled(namespace);
    return this.state.counts(namespace);
  }
}
