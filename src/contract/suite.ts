import { randomUUID } from 'node:crypto';
import { metadataFilter, type OauthApp, type OauthAppsClient } from 'oauth-apps-api-client';

/** What a case gets: typed clients whose every exchange is checked against the spec. */
export interface SuiteContext {
  api: OauthAppsClient;
  /** Same target, no token. */
  anonymous: OauthAppsClient;
  /** A run-unique client_id, so parallel runs and real accounts never collide. */
  uniqueClientId(label: string): string;
  /** Registers an app for deletion at the end of the run. */
  created(app: { id: string } | undefined): void;
}

export interface Case {
  name: string;
  /** Needs writes to be visible to reads (skipped against a stateless mock). */
  stateful?: boolean;
  run(ctx: SuiteContext): Promise<void>;
}

export class CheckFailed extends Error {}
function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

const createBody = (ctx: SuiteContext, label: string) => ({
  provider: 'stripe' as const,
  client_id: ctx.uniqueClientId(label),
  client_secret: `contract-secret-${randomUUID()}`,
  name: 'Arakkis - Stripe',
  metadata: { custom_property: 42, contract_run: label },
});

async function createApp(ctx: SuiteContext, label: string) {
  const body = createBody(ctx, label);
  const { data, response } = await ctx.api.POST('/v1/oauth-apps', { body });
  ctx.created(data);
  expect(response.status === 200 && data, `create answered ${response.status}, expected 200`);
  return { app: data, body };
}

const MASK = '**********';
const unknownId = () => randomUUID();

export const cases: Case[] = [
  // Every target: each operation answers on-contract.
  {
    name: 'listOauthApps: 200 with the list envelope',
    async run({ api }) {
      const { response } = await api.GET('/v1/oauth-apps', {});
      expect(response.status === 200, `status ${response.status}, expected 200`);
    },
  },
  {
    name: 'listOauthApps: each filter and truncate_secrets=false are accepted',
    async run({ api }) {
      for (const query of [
        { provider: 'stripe' as const },
        { 'health.status': 'ok' as const },
        { metadata: metadataFilter({ custom_property: 42 }) },
        { truncate_secrets: false },
        { provider: 'github' as const, 'health.status': 'error' as const, metadata: metadataFilter({ a: { b: 1 } }) },
      ]) {
        const { response } = await api.GET('/v1/oauth-apps', { params: { query } });
        expect(response.status === 200, `${JSON.stringify(query)}: status ${response.status}, expected 200`);
      }
    },
  },
  {
    name: 'createOauthApp: 200 with the app, secret masked',
    async run(ctx) {
      const { app } = await createApp(ctx, 'create');
      expect(app.client_secret === MASK, `client_secret is not masked as ${MASK}`);
    },
  },
  {
    name: 'getOauthApp / updateOauthApp / deleteOauthApp: answer on-contract',
    async run(ctx) {
      const { app } = await createApp(ctx, 'crud');
      const path = { id: app.id };
      const got = await ctx.api.GET('/v1/oauth-apps/{id}', { params: { path } });
      expect(got.response.status === 200, `get: status ${got.response.status}, expected 200`);
      const patched = await ctx.api.PATCH('/v1/oauth-apps/{id}', { params: { path }, body: { name: 'Arakkis - Stripe', metadata: { custom_property: 42 } } });
      expect(patched.response.status === 200, `update: status ${patched.response.status}, expected 200`);
      const deleted = await ctx.api.DELETE('/v1/oauth-apps/{id}', { params: { path } });
      expect(deleted.response.status === 200, `delete: status ${deleted.response.status}, expected 200`);
    },
  },
  {
    name: 'every operation refuses a request without a token: 401',
    async run({ anonymous }) {
      const id = unknownId();
      const results = [
        await anonymous.GET('/v1/oauth-apps', {}),
        await anonymous.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: 'x', client_secret: 'x', name: 'x' } }),
        await anonymous.GET('/v1/oauth-apps/{id}', { params: { path: { id } } }),
        await anonymous.PATCH('/v1/oauth-apps/{id}', { params: { path: { id } }, body: { name: 'x' } }),
        await anonymous.DELETE('/v1/oauth-apps/{id}', { params: { path: { id } } }),
      ];
      for (const r of results) expect(r.response.status === 401, `${r.response.url}: status ${r.response.status}, expected 401`);
    },
  },
  {
    name: 'createOauthApp refuses an invalid body: 422 with validation_errors',
    async run({ api }) {
      const { error, response } = await api.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: '', client_secret: 'x', name: 'x' } });
      expect(response.status === 422, `status ${response.status}, expected 422`);
      expect(error?.validation_errors, 'the 422 body has no validation_errors');
    },
  },

  {
    name: 'listOauthApps refuses an unknown provider filter: 422 with validation_errors',
    async run({ api }) {
      // Deliberately off-contract: the enum is what the check is about.
      const query = { provider: 'no-such-provider' as 'stripe' };
      const { error, response } = await api.GET('/v1/oauth-apps', { params: { query } });
      expect(response.status === 422, `status ${response.status}, expected 422`);
      expect(error?.validation_errors?.provider, 'validation_errors has no provider entry');
    },
  },
  {
    name: 'updateOauthApp refuses an invalid body: 422 with validation_errors',
    async run({ api }) {
      // An empty name is invalid whether or not the id exists, so a stateless target answers it too.
      const { error, response } = await api.PATCH('/v1/oauth-apps/{id}', { params: { path: { id: unknownId() } }, body: { name: '' } });
      expect(response.status === 422, `status ${response.status}, expected 422`);
      expect(error?.validation_errors?.name, 'validation_errors has no name entry');
    },
  },
  {
    name: 'createOauthApp / updateOauthApp refuse a body that is not application/json: 415',
    async run({ api }) {
      const notJson = { bodySerializer: () => 'provider=stripe', headers: { 'content-type': 'text/plain' } };
      const body = { provider: 'stripe' as const, client_id: 'x', client_secret: 'x', name: 'x' };
      const created = await api.POST('/v1/oauth-apps', { body, ...notJson });
      expect(created.response.status === 415, `create: status ${created.response.status}, expected 415`);
      const updated = await api.PATCH('/v1/oauth-apps/{id}', { params: { path: { id: unknownId() } }, body: { name: 'x' }, ...notJson });
      expect(updated.response.status === 415, `update: status ${updated.response.status}, expected 415`);
    },
  },

  // Stateful targets: writes are visible to reads.
  {
    name: 'create → get returns what was created; truncate_secrets=false reveals the secret',
    stateful: true,
    async run(ctx) {
      const { app, body } = await createApp(ctx, 'readback');
      const { data } = await ctx.api.GET('/v1/oauth-apps/{id}', { params: { path: { id: app.id } } });
      expect(data && data.name === body.name && data.client_id === body.client_id && data.client_secret === MASK, 'get does not return the created app, masked');
      const full = await ctx.api.GET('/v1/oauth-apps/{id}', { params: { path: { id: app.id }, query: { truncate_secrets: false } } });
      expect(full.data?.client_secret === body.client_secret, 'truncate_secrets=false does not reveal the secret');
    },
  },
  {
    name: 'create → list finds the app by provider and by metadata',
    stateful: true,
    async run(ctx) {
      const { app } = await createApp(ctx, 'listed');
      const ids = async (query: Record<string, unknown>) => ((await ctx.api.GET('/v1/oauth-apps', { params: { query } })).data?.data ?? []).map((a: OauthApp) => a.id);
      expect((await ids({ provider: 'stripe' })).includes(app.id), 'provider=stripe does not list it');
      expect(!(await ids({ provider: 'github' })).includes(app.id), 'provider=github lists it');
      expect((await ids({ metadata: metadataFilter({ contract_run: 'listed' }) })).includes(app.id), 'the metadata filter does not find it');
      expect(!(await ids({ metadata: metadataFilter({ contract_run: 'other' }) })).includes(app.id), 'a non-matching metadata filter lists it');
    },
  },
  {
    name: 'update changes only the fields sent; updated_at moves, created_at stays',
    stateful: true,
    async run(ctx) {
      const { app } = await createApp(ctx, 'patch');
      const { data } = await ctx.api.PATCH('/v1/oauth-apps/{id}', { params: { path: { id: app.id } }, body: { name: 'Renamed' } });
      expect(data?.name === 'Renamed', 'the name did not change');
      expect(JSON.stringify(data.metadata) === JSON.stringify(app.metadata), 'metadata changed though it was not sent');
      expect(data.created_at === app.created_at, 'created_at changed');
      expect(Date.parse(data.updated_at) > Date.parse(app.updated_at), 'updated_at did not move forward');
      const again = await ctx.api.GET('/v1/oauth-apps/{id}', { params: { path: { id: app.id } } });
      expect(again.data?.name === 'Renamed', 'get does not show the update');
    },
  },
  {
    name: 'a second app with the same provider + client_id is a 422 on client_id',
    stateful: true,
    async run(ctx) {
      const { body } = await createApp(ctx, 'unique');
      const { error, response, data } = await ctx.api.POST('/v1/oauth-apps', { body });
      ctx.created(data);
      expect(response.status === 422, `status ${response.status}, expected 422`);
      expect(error?.validation_errors?.client_id, 'validation_errors has no client_id entry');
    },
  },
  {
    name: 'delete → get, update and delete of that id are 404',
    stateful: true,
    async run(ctx) {
      const { app } = await createApp(ctx, 'delete');
      const path = { id: app.id };
      const { data } = await ctx.api.DELETE('/v1/oauth-apps/{id}', { params: { path } });
      expect(data?.id === app.id && data.deleted === true, 'delete did not answer {id, deleted: true}');
      expect((await ctx.api.GET('/v1/oauth-apps/{id}', { params: { path } })).response.status === 404, 'get after delete is not 404');
      expect((await ctx.api.PATCH('/v1/oauth-apps/{id}', { params: { path }, body: { name: 'x' } })).response.status === 404, 'update after delete is not 404');
      expect((await ctx.api.DELETE('/v1/oauth-apps/{id}', { params: { path } })).response.status === 404, 'second delete is not 404');
    },
  },
  {
    name: 'an unknown id is a 404 on get',
    stateful: true,
    async run({ api }) {
      const { response } = await api.GET('/v1/oauth-apps/{id}', { params: { path: { id: unknownId() } } });
      expect(response.status === 404, `status ${response.status}, expected 404`);
    },
  },
];
