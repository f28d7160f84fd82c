// One cold measurement, in a fresh Node process, as a test file meets the in-process API:
// import the package (built), create an API, then the first answer of each operation, each
// timed on its own, then the same calls again (warm) for comparison. Prints one JSON line.
// Plain JS on purpose: no TypeScript loader between Node and the package.
const t0 = performance.now();
const { createInProcessApi } = await import('oauth-apps-api/testing');
const { createOauthAppsClient } = await import('oauth-apps-api-client');
const tImport = performance.now();
const cpuImport = process.cpuUsage();
const api = await createInProcessApi({ seed: false });
const tCreate = performance.now();
const client = createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: api.fetch });

const body = (i) => ({ provider: 'stripe', client_id: `cold-${i}`, client_secret: 's3cret', name: 'Cold', metadata: { n: i } });
async function round(i) {
  const ms = {};
  const time = async (name, call) => {
    const s = performance.now();
    const { response } = await call();
    ms[name] = performance.now() - s;
    if (response.status !== 200) throw new Error(`${name} answered ${response.status}`);
  };
  let id;
  await time('createOauthApp', async () => {
    const r = await client.POST('/v1/oauth-apps', { body: body(i) });
    id = r.data?.id;
    return r;
  });
  const path = { id };
  await time('getOauthApp', () => client.GET('/v1/oauth-apps/{id}', { params: { path } }));
  await time('listOauthApps', () => client.GET('/v1/oauth-apps', { params: { query: { provider: 'stripe' } } }));
  await time('updateOauthApp', () => client.PATCH('/v1/oauth-apps/{id}', { params: { path }, body: { name: 'Renamed' } }));
  await time('deleteOauthApp', () => client.DELETE('/v1/oauth-apps/{id}', { params: { path } }));
  return ms;
}
const cpuBeforeFirst = process.cpuUsage();
const first = await round(0);
const tFirstAnswers = performance.now();
const cpuFirst = process.cpuUsage(cpuBeforeFirst);
const warm = await round(1);
await api.close();
// What each further fresh API costs a test in the same file (a beforeEach): create it, then
// the five operations (validators are per spec and process, so they are not compiled again).
const tSecond = performance.now();
const second = await createInProcessApi({ seed: false });
const secondClient = createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: second.fetch });
const created = await secondClient.POST('/v1/oauth-apps', { body: body(2) });
const path = { id: created.data.id };
await secondClient.GET('/v1/oauth-apps/{id}', { params: { path } });
await secondClient.GET('/v1/oauth-apps', {});
await secondClient.PATCH('/v1/oauth-apps/{id}', { params: { path }, body: { name: 'Renamed' } });
await secondClient.DELETE('/v1/oauth-apps/{id}', { params: { path } });
const furtherMs = performance.now() - tSecond;
await second.close();
// CPU time (user + system) is robust to a busy machine, unlike wall time: the whole process up
// to the imports (Node's own start-up included), and the five first answers.
const ms = (c) => (c.user + c.system) / 1000;
process.stdout.write(`${JSON.stringify({ importMs: tImport - t0, createMs: tCreate - tImport, first, warm, totalMs: tFirstAnswers - t0, furtherMs, cpuImportMs: ms(cpuImport), cpuFirstAnswersMs: ms(cpuFirst) })}\n`);
