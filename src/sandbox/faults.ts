import { randomUUID } from 'node:crypto';
import type { sandboxComponents as components } from 'oauth-apps-api-client/sandbox';
import type { SandboxState } from '../store/types.js';

export type Fault = components['schemas']['Fault'];
export type FaultCreate = components['schemas']['FaultCreate'];

/**
 * The injected faults of every namespace, kept in the database so that every instance on it
 * applies the same faults with the same `remaining` count.
 *
 * Each request would need a query to learn whether any fault is active; instead the
 * registry keeps a hint, the set of namespaces that have faults. It is exact on SQLite (one
 * process per file: every change goes through here) and on PostgreSQL is refreshed whenever
 * an instance announces a change (LISTEN/NOTIFY; the announcing request is answered only
 * once the database has sent the news). While that channel is down the hint is unknown and
 * every request asks the database: slower, never wrong. So a request with no Prefer header
 * in a namespace without faults costs one Set lookup, not a round-trip.
 */
export class FaultRegistry {
  private active = new Set<string>();
  /** Whether `active` can be trusted (false while the PostgreSQL change channel is down). */
  private known = true;
  private refreshes = 0;

  constructor(private readonly state: SandboxState) {}

  /** Loads the hint and follows other instances' changes. */
  async start(): Promise<void> {
    const refresh = () => void this.refresh().catch(() => (this.known = false));
    await this.refresh();
    await this.state
      .watchFaults(refresh, (up) => {
        // Trusted again only once reloaded: changes may have been missed while it was down.
        if (!up) this.known = false;
        else void this.refresh().then(() => (this.known = true), () => (this.known = false));
      })
      .catch(() => (this.known = false));
  }

  /** False only when `namespace` certainly has no fault. */
  mayHave(namespace: string): boolean {
    return !this.known || this.active.has(namespace);
  }

  async add(namespace: string, input: FaultCreate): Promise<Fault> {
    const fault: Fault = { id: randomUUID(), delay_ms: input.delay_ms ?? 0, probability: input.probability ?? 1 };
    if (input.operation_id) fault.operation_id = input.operation_id;
    if (input.status !== undefined) fault.status = input.status;
    if (input.remaining !== undefined) fault.remaining = input.remaining;
    await this.state.addFault(namespace, fault);
    await this.changed();
    return fault;
  }

  list(namespace: string): Promise<Fault[]> {
    return this.state.listFaults(namespace);
  }

  async remove(namespace: string, id: string): Promise<boolean> {
    const removed = await this.state.removeFault(namespace, id);
    if (removed) await this.changed();
    return removed;
  }

  async clear(namespace: string): Promise<number> {
    const n = await this.state.clearFaults(namespace);
    if (n) await this.changed();
    return n;
  }

  /**
   * The fault that hits this call of `operationId`, if any: the oldest matching fault whose
   * dice roll succeeds. A fault limited to N calls is used up by the calls it hits, whichever
   * instance answers them.
   */
  async take(namespace: string, operationId: string, random: () => number = Math.random): Promise<Fault | undefined> {
    if (!this.mayHave(namespace)) return undefined;
    for (const f of await this.state.listFaults(namespace)) {
      if (f.operation_id && f.operation_id !== operationId) continue;
      if (f.probability < 1 && random() >= f.probability) continue;
      if (!(await this.state.useFault(namespace, f))) continue; // used up by another call meanwhile
      if (f.remaining === 1) await this.changed();
      return f;
    }
    return undefined;
  }

  private async changed() {
    await this.refresh();
    await this.state.announceFaultChange();
  }

  /** Reloads the hint; of overlapping reloads only the latest one's answer counts. */
  private async refresh() {
    const mine = ++this.refreshes;
    const active = await this.state.namespacesWithFaults();
    if (mine === this.refreshes) this.active = active;
  }
}
