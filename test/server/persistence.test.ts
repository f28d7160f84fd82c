import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { metadataFilter } from 'oauth-apps-api-client';
import { dropTestSchemas, freshDatabaseUrl, onPostgres } from '../helpers/database.js';
import { docsCreateBody, startServer } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-persist-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropTestSchemas();
});

describe(`persistence (${onPostgres ? 'PostgreSQL' : 'SQLite file'})`, () => {
  it('what was written before a restart is read back after it, indexes included', async () => {
    const databaseUrl = onPostgres ? freshDatabaseUrl() : `sqlite:${join(dir, 'apps.db')}`;
    const first = await startServer({ databaseUrl });
    const created = (await first.client.POST('/v1/oauth-apps', { body: docsCreateBody })).data!;
    const other = (await first.client.POST('/v1/oauth-apps', { body: { ...docsCreateBody, client_id: 'other', name: 'Other' } })).data!;
    await first.client.PATCH('/v1/oauth-apps/{id}', { params: { path: { id: created.id } }, body: { name: 'Renamed', metadata: { env: 'prod' } } });
    await first.client.DELETE('/v1/oauth-apps/{id}', { params: { path: { id: other.id } } });
    await first.close();

    const second = await startServer({ databaseUrl });
    try {
      const { data } = await second.client.GET('/v1/oauth-apps/{id}', { params: { path: { id: created.id }, query: { truncate_secrets: false } } });
      expect(data).toMatchObject({ id: created.id, name: 'Renamed', metadata: { env: 'prod' }, client_secret: docsCreateBody.client_secret, created_at: created.created_at });
      expect((await second.client.GET('/v1/oauth-apps/{id}', { params: { path: { id: other.id } } })).response.status).toBe(404);
      const { data: list } = await second.client.GET('/v1/oauth-apps', { params: { query: { metadata: metadataFilter({ env: 'prod' }) } } });
      expect(list!.data.map((a) => a.id)).toEqual([created.id]);
      // Uniqueness survives too.
      expect((await second.client.POST('/v1/oauth-apps', { body: docsCreateBody })).response.status).toBe(422);
    } finally {
      await second.close();
    }
  });
});
