import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace } from 'oauth-apps-api-client/sandbox';
import { exampleResponses } from '../../src/sandbox/examples.js';
import { loadSpec } from '../../src/spec/index.js';
import { operationsById } from '../../src/spec/operations.js';
import { dropTestSchemas } from '../helpers/database.js';
import { startPrismMock, type RunningPrism } from '../helpers/prism.js';
import { docsCreateBody, expectError, startServer, TOKEN, type TestServer } from '../helpers/server.js';

// `Prefer: example=NAME` alone, on the same requests to the reference server and to Prism.
const spec = loadSpec();
const examples = exampleResponses(spec);
const id = '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8';
const bodies: Record<string, string | undefined> = {
  createOauthApp: JSON.stringify(docsCreateBody),
  updateOauthApp: JSON.stringify({ name: 'Renamed' }),
};
const requests = [...operationsById(spec).values()].map((op) => ({ ...op, path: op.template.replace('{id}', id), body: bodies[op.operationId] }));

let server: TestServer;
let prism: RunningPrism;
beforeAll(async () => {
  [server, prism] = await Promise.all([startServer(), startPrismMock()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([server?.close(), prism?.stop()]);
  await dropTestSchemas();
});

const send = (base: string, r: (typeof requests)[number], prefer: string, token = TOKEN) =>
  fetch(`${base}${r.path}`, { method: r.method, headers: { authorization: `Bearer ${token}`, prefer, 'content-type': 'application/json' }, body: r.body });

describe('Prefer: example=NAME without a code', () => {
  const successExamples = requests.flatMap((r) => examples.names(r.template, r.method).filter((name) => examples.byName(r.template, r.method, name)!.status === 200).map((name) => ({ r, name })));

  it('covers every named example of every success response', () => {
    expect(successExamples.map((c) => `${c.r.operationId}:${c.name}`)).toEqual(
      expect.arrayContaining(['getOauthApp:StripeOauthApp', 'getOauthApp:StripeOauthAppUnmasked', 'listOauthApps:OauthAppList', 'createOauthApp:CreatedOauthApp']),
    );
    expect(successExamples.length).toBeGreaterThanOrEqual(6);
  });

  it('answers the success example exactly as Prism does (status, content type, body)', async () => {
    for (const { r, name } of successExamples) {
      const [ours, theirs] = await Promise.all([send(server.url, r, `example=${name}`), send(prism.url, r, `example=${name}`)]);
      const what = `${r.operationId} example=${name}`;
      expect(ours.status, what).toBe(theirs.status);
      const mediaType = (res: Response) => res.headers.get('content-type')?.split(';')[0];
      expect(mediaType(ours), what).toBe(mediaType(theirs));
      expect(await ours.json(), what).toEqual(await theirs.json());
    }
  });

  it('with a code as well, still answers as Prism does', async () => {
    const create = requests.find((r) => r.operationId === 'createOauthApp')!;
    const prefer = 'code=422, example=ErrorDuplicateClientId';
    const [ours, theirs] = await Promise.all([send(server.url, create, prefer), send(prism.url, create, prefer)]);
    expect(ours.status).toBe(422);
    expect(theirs.status).toBe(422);
    expect(await ours.json()).toEqual(await theirs.json());
  });

  it("an error response's example answers that response (Prism only looks in the success response)", async () => {
    const create = requests.find((r) => r.operationId === 'createOauthApp')!;
    const ours = await send(server.url, create, 'example=ErrorDuplicateClientId');
    expect((await expectError(ours, 422)).validation_errors).toEqual({ client_id: ['has already been taken'] });
    expect((await send(prism.url, create, 'example=ErrorDuplicateClientId')).status).toBe(404); // Prism: NOT_FOUND
    const get = requests.find((r) => r.operationId === 'getOauthApp')!;
    const limited = await send(server.url, get, 'example=ErrorTooManyRequests');
    await expectError(limited, 429);
    expect(limited.headers.get('retry-after')).toBe('1');
  });

  it('an unknown name is a 422 on Prefer that lists the names there are', async () => {
    const get = requests.find((r) => r.operationId === 'getOauthApp')!;
    const body = await expectError(await send(server.url, get, 'example=NoSuchExample'), 422);
    const reason = body.validation_errors!.Prefer![0]!;
    expect(reason).toMatch(/no example named 'NoSuchExample' for getOauthApp/);
    for (const name of ['StripeOauthApp', 'StripeOauthAppUnmasked', 'ErrorNotFound']) expect(reason).toContain(name);
    expect((await send(prism.url, get, 'example=NoSuchExample')).status).toBe(404); // Prism: NOT_FOUND, problem+json
  });

  it('changes nothing (a canned answer) and works with a namespace token too', async () => {
    const ns = await createNamespace({ baseUrl: server.url, token: TOKEN, seed: false });
    const create = requests.find((r) => r.operationId === 'createOauthApp')!;
    const res = await send(server.url, create, 'example=CreatedOauthApp', ns.token);
    expect(res.status).toBe(200);
    expect((await ns.api.GET('/v1/oauth-apps', {})).data!.data).toEqual([]);
  });
});
