import type { OauthAppStore } from '../store/types.js';
import { FaultRegistry } from './faults.js';
import type { SeedApp } from './seed.js';

/** The sandbox's state: the seed to reset to, and the active faults. */
export class Sandbox {
  readonly faults = new FaultRegistry();

  constructor(
    private readonly store: OauthAppStore,
    private seed: SeedApp[] = [],
  ) {}

  /** Loads the seed, but only into an empty store: existing data is never overwritten. */
  async seedIfEmpty(): Promise<number> {
    return (await this.store.count()) === 0 ? this.load() : 0;
  }

  /** Back to the seed state: every app deleted, the seed loaded, every fault cleared. */
  async reset(): Promise<number> {
    this.faults.clear();
    await this.store.clear();
    return this.load();
  }

  async replaceSeed(seed: SeedApp[]): Promise<number> {
    this.seed = seed;
    return this.reset();
  }

  // The seed was checked (seedProblems) and the store is empty, so creates cannot collide.
  private async load(): Promise<number> {
    for (const app of this.seed) await this.store.create(app);
    return this.seed.length;
  }
}
