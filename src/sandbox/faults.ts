import { randomUUID } from 'node:crypto';
import type { sandboxComponents as components } from 'oauth-apps-api-client/sandbox';

export type Fault = components['schemas']['Fault'];
export type FaultCreate = components['schemas']['FaultCreate'];

/**
 * The active faults, in memory: they steer this process only (each instance behind a load
 * balancer has its own), and a restart clears them.
 */
export class FaultRegistry {
  private faults: Fault[] = [];

  add(input: FaultCreate): Fault {
    const fault: Fault = { id: randomUUID(), delay_ms: input.delay_ms ?? 0, probability: input.probability ?? 1 };
    if (input.operation_id) fault.operation_id = input.operation_id;
    if (input.status !== undefined) fault.status = input.status;
    if (input.remaining !== undefined) fault.remaining = input.remaining;
    this.faults.push(fault);
    return fault;
  }

  get size(): number {
    return this.faults.length;
  }

  list(): Fault[] {
    return [...this.faults];
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  clear(): number {
    const n = this.faults.length;
    this.faults = [];
    return n;
  }

  /**
   * The fault that hits this call of `operationId`, if any: the oldest matching fault whose
   * dice roll succeeds. A fault limited to N calls is used up by the calls it hits.
   */
  take(operationId: string, random: () => number = Math.random): Fault | undefined {
    for (const f of this.faults) {
      if (f.operation_id && f.operation_id !== operationId) continue;
      if (f.probability < 1 && random() >= f.probability) continue;
      if (f.remaining !== undefined) {
        f.remaining -= 1;
        if (f.remaining === 0) this.remove(f.id);
      }
      return { ...f };
    }
    return undefined;
  }
}
