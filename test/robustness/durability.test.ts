import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOauthAppsClient, type OauthApp } from 'oauth-apps-api-client';
import { startChildServer } from '../helpers/child.js';
import { dropTestSchemas, freshDatabaseUrl, onPostgres } from '../helpers/database.js';

const TOKEN = 'durability-token';
const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-durability-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropTestSchemas();
});

// Every write acknowledged with a 2xx survives a kill -9 of the server mid-burst.
describe(`durability under SIGKILL (${onPostgres ? 'PostgreSQL' : 'SQLite WAL'})`, () => {
  it('every acknowledged create and patch is present and intact after restart', async () => {
    const databaseUrl = onPostgres ? freshDatabaseUrl() : `sqlite:${join(dir, 'apps.db')}`;
    const first = await startChildServer({ databaseUrl, token: TOKEN });
    const api = createOauthAppsClient({ baseUrl: first.url, token: TOKEN });

    const created = new Map<string, { body: { client_id: string; client_secret: string; name: string }; app: OauthApp }>();
    /** Per app: names of acknowledged patches in order, and the one possibly in flight. */
    const patches = new Map<string, { acked: string[]; inFlight?: string }>();
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const body = { provider: 'stripe' as const, client_id: `dur-${w}-${i}`, client_secret: `secret-${w}-${i}`, name: `app ${w}-${i}`, metadata: { w, i } };
        try {
          const { data, response } = await api.POST('/v1/oauth-apps', { body });
          if (response.status !== 200) continue;
          created.set(data!.id, { body, app: data! });
          const log = { acked: [] as string[], inFlight: undefined as string | undefined };
          patches.set(data!.id, log);
          for (let p = 0; p < 3 && !stop; p++) {
            log.inFlight = `patched ${w}-${i}-${p}`;
            const r = await api.PATCH('/v1/oauth-apps/{id}', { params: { path: { id: data!.id } }, body: { name: log.inFlight } });
            if (r.response.status === 200) (log.acked.push(log.inFlight), (log.inFlight = undefined));
          }
        } catch {
          return; // the server is gone
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    // Kill mid-burst once enough writes are acknowledged (a count, not a time: a busy CI
    // machine acknowledges fewer per second, and the test must still see a real burst).
    const deadline = Date.now() + 20_000;
    while (created.size < 25 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    expect(await first.exited).toBe('SIGKILL');

    const second = await startChildServer({ databaseUrl, token: TOKEN });
    try {
      const api2 = createOauthAppsClient({ baseUrl: second.url, token: TOKEN });
      const { data } = await api2.GET('/v1/oauth-apps', { params: { query: { truncate_secrets: false } } });
      const found = new Map(data!.data.map((a) => [a.id, a]));
      let intact = 0;
      for (const [id, { body, app }] of created) {
        const now = found.get(id);
        expect(now, `acknowledged create ${id} is missing`).toBeDefined();
        expect(now).toMatchObject({ client_id: body.client_id, client_secret: body.client_secret, metadata: app.metadata, created_at: app.created_at });
        const log = patches.get(id)!;
        const allowed = [log.acked.at(-1) ?? body.name, ...(log.inFlight ? [log.inFlight] : [])];
        expect(allowed, `app ${id}`).toContain(now!.name);
        intact += 1;
      }
      const ackedPatches = [...patches.values()].reduce((n, l) => n + l.acked.length, 0);
      console.log(`durability: ${created.size} creates and ${ackedPatches} patches acknowledged before kill -9; ${intact} apps found intact after restart (${found.size} stored)`);
      expect(created.size).toBeGreaterThan(20);
      expect(intact).toBe(created.size);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0); // graceful shutdown exits cleanly
    }
  });
});
