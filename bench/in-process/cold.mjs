// One cold measurement, in a fresh Node process, as a test file meets the in-process API:
// import the package (built), create an API, then the first answer of each operation, each
// timed on its own, then the same calls again (warm) for comparison. Prints one JSON line.
// Plain JS on purpose: no TypeScript loader between Node and the package.
const t0 = performance.now();
const { createInProcessApi } = await import('oauth-apps-api/testing');
const { createOauthAppsClient } = await import('oauth-apps-api-client');
const tImport = performance.now();
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
const first = await round(0);
const tFirstAnswers = performance.now();
const warm = await round(1);
await api.close();
const cpu = process.cpuUsage(); // the whole process, start-up included: robust to a busy machine, unlike wall time
process.stdout.write(`${JSON.stringify({ importMs: tImport - t0, createMs: tCreate - tImport, first, warm, totalMs: tFirstAnswers - t0, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
