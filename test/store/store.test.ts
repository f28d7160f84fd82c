import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type OauthAppStore } from '../../src/store/index.js';
import { contains } from '../../src/store/contains.js';
import { DuplicateClientIdError, type ListFilter } from '../../src/store/types.js';
import { dropTestSchemas, freshDatabaseUrl, onPostgres } from '../helpers/database.js';

// One suite for every backend: the vitest project decides which (TEST_STORE).
const base = { provider: 'stripe' as const, client_id: 'c', client_secret: 's', name: 'n' };
let store: OauthAppStore;

describe(`store contract (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  beforeEach(async () => {
    await store?.close();
    store = await openStore(freshDatabaseUrl());
  });
  afterAll(async () => {
    await store?.close();
    await dropTestSchemas();
  });

  it('creates with defaults, gets, counts', async () => {
    const app = await store.create({ ...base, metadata: { a: 1 } });
    expect(app).toMatchObject({ ...base, metadata: { a: 1 }, health: { status: 'ok', notes: [] } });
    expect(app.health.time).toBe(app.created_at);
    expect(await store.get(app.id)).toEqual(app);
    expect(await store.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(await store.count()).toBe(1);
  });

  it('keeps fixture ids, health and timestamps exactly', async () => {
    const fixture = { ...base, id: '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8', health: { status: 'error' as const, notes: ['x'], time: '2024-01-01T00:00:00Z' }, created_at: '2024-02-20T02:10:52Z', updated_at: '2024-02-21T00:00:00Z' };
    expect(await store.create(fixture)).toMatchObject({ ...fixture, metadata: {} });
  });

  it('refuses a second provider + client_id, but not the same client_id elsewhere', async () => {
    await store.create(base);
    await expect(store.create({ ...base, name: 'other' })).rejects.toBeInstanceOf(DuplicateClientIdError);
    await expect(store.create({ ...base, provider: 'github' })).resolves.toMatchObject({ provider: 'github' });
  });

  it('lists oldest first, filtered by provider, health and metadata containment', async () => {
    const a = await store.create({ ...base, client_id: 'a', metadata: { team: { name: 'web', size: 3 }, tags: ['x', 'y'], n: 1 } });
    const b = await store.create({ ...base, client_id: 'b', provider: 'github', metadata: { team: { name: 'api' }, n: '1' } });
    const c = await store.create({ ...base, client_id: 'c2', metadata: {} });
    await store.setHealth(c.id, { status: 'error', notes: ['down'] });
    const ids = async (f: Parameters<OauthAppStore['list']>[0]) => (await store.list(f)).map((x) => x.id);
    expect(await ids({})).toEqual([a.id, b.id, c.id]);
    expect(await ids({ provider: 'stripe' })).toEqual([a.id, c.id]);
    expect(await ids({ healthStatus: 'error' })).toEqual([c.id]);
    expect(await ids({ healthStatus: 'ok', provider: 'stripe' })).toEqual([a.id]);
    expect(await ids({ metadata: { team: { name: 'web' } } })).toEqual([a.id]);
    expect(await ids({ metadata: { team: {} } })).toEqual([a.id, b.id]);
    expect(await ids({ metadata: { tags: ['y'] } })).toEqual([a.id]);
    expect(await ids({ metadata: { n: 1 } })).toEqual([a.id]);
    expect(await ids({ metadata: { n: '1' } })).toEqual([b.id]);
    expect(await ids({ metadata: { missing: null } })).toEqual([]);
    expect(await ids({ metadata: {} })).toEqual([a.id, b.id, c.id]);
    expect(await ids({ metadata: { n: 1 }, provider: 'github' })).toEqual([]);
  });

  it('answers multi-key metadata filters as containment, oldest first, whichever set is smallest', async () => {
    // Another namespace shares most facts (so the smallest set is sometimes this namespace's
    // apps, sometimes one fact whose rows are mostly the other's) and its apps interleave
    // with these in seq. Each filter is checked against containment over every app.
    const other = store.inNamespace('multi-key-other');
    const providers = ['stripe', 'github', 'linear'] as const;
    for (let i = 0; i < 240; i++) {
      const metadata = { x: i % 2, y: i % 3 === 0 ? 1 : 0, z: i % 5 === 0 ? 1 : 0, rare: i === 7 || i === 201 ? 'yes' : 'no', tags: i % 4 === 0 ? ['a', 'b'] : ['a'], team: { name: `t${i % 6}`, size: i % 2 } };
      const app = await store.create({ ...base, client_id: `m${i}`, provider: providers[i % 3]!, metadata });
      if (i % 7 === 0) await store.setHealth(app.id, { status: 'error', notes: [] });
      if (i < 300) await other.create({ ...base, client_id: `o${i}`, metadata: { x: 1, y: 1, z: 1, rare: i < 20 ? 'yes' : 'no', team: { name: 't1' } } });
    }
    for (let i = 240; i < 300; i++) await other.create({ ...base, client_id: `o${i}`, metadata: { x: 1, y: 1, z: 1, rare: 'no', team: { name: 't1' } } });
    const all = await store.list({});
    expect(all.length).toBe(240);
    const filters: ListFilter[] = [
      { metadata: { x: 1, y: 1 } },
      { metadata: { x: 1, y: 1, z: 1 } },
      { metadata: { rare: 'yes' } },
      { metadata: { rare: 'yes', x: 1 } },
      { metadata: { rare: 'yes', x: 0 } },
      { metadata: { team: { name: 't1' }, x: 1 } },
      { metadata: { team: { name: 't3', size: 1 }, z: 1 } },
      { metadata: { team: {}, tags: ['b'] } },
      { metadata: { tags: ['b', 'a'], x: 0, y: 1 } },
      { metadata: { missing: 1, x: 1 } },
      { metadata: { x: 1, y: 1 }, provider: 'linear' },
      { metadata: { x: 0, z: 1 }, healthStatus: 'error' },
      { metadata: { x: 1, tags: ['a'] }, provider: 'github', healthStatus: 'ok' },
      { metadata: { rare: 'yes' }, provider: 'stripe' },
    ];
    for (const f of filters) {
      const expected = all.filter((a) => (!f.provider || a.provider === f.provider) && (!f.healthStatus || a.health.status === f.healthStatus) && contains(a.metadata, f.metadata));
      const got = await store.list(f);
      expect(got.map((a) => a.client_id), JSON.stringify(f)).toEqual(expected.map((a) => a.client_id));
      expect(got).toEqual(expected);
    }
    expect((await store.list({ metadata: { x: 1, y: 1, z: 1 } })).map((a) => a.client_id)).toEqual(['m15', 'm45', 'm75', 'm105', 'm135', 'm165', 'm195', 'm225']);
  });

  it('updates only what is sent; metadata replaced; updated_at strictly increases', async () => {
    const app = await store.create({ ...base, metadata: { a: 1 } });
    const u1 = (await store.update(app.id, { name: 'renamed' }))!;
    expect(u1).toMatchObject({ name: 'renamed', client_secret: 's', metadata: { a: 1 }, created_at: app.created_at });
    const u2 = (await store.update(app.id, { metadata: { b: 2 } }))!;
    expect(u2.metadata).toEqual({ b: 2 });
    expect(Date.parse(u2.updated_at)).toBeGreaterThan(Date.parse(u1.updated_at));
    expect(Date.parse(u1.updated_at)).toBeGreaterThan(Date.parse(app.updated_at));
    expect((await store.list({ metadata: { a: 1 } })).length).toBe(0);
    expect((await store.list({ metadata: { b: 2 } })).length).toBe(1);
    expect(await store.update('00000000-0000-4000-8000-000000000000', { name: 'x' })).toBeUndefined();
  });

  it('stores awkward metadata as plain data', async () => {
    const metadata = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": 1}, "ünï": "😀", "deep": {"a": {"b": {"c": [1, {"d": null}]}}}}');
    const app = await store.create({ ...base, metadata });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const got = (await store.get(app.id))!;
    expect(Object.getPrototypeOf(got.metadata)).toBe(Object.prototype);
    expect(JSON.stringify(got.metadata.__proto__)).toBe('{"polluted":true}');
    expect(got.metadata['ünï']).toBe('😀');
    expect((await store.list({ metadata: JSON.parse('{"__proto__": {"polluted": true}}') })).map((x) => x.id)).toEqual([app.id]);
  });

  it('deletes, clears', async () => {
    const app = await store.create(base);
    expect(await store.delete(app.id)).toBe(true);
    expect(await store.delete(app.id)).toBe(false);
    await store.create(base);
    await store.clear();
    expect(await store.count()).toBe(0);
  });
});
