// Cost of the in-process API (createInProcessApi, oauth-apps-api/testing): run in a fresh process
// (cold module cache), it times creating one with the bundled seed and answering its first
// request, for the first API of the process and for each further one (a test suite makes one
// per test); prints one JSON line. Used by `npm run bench`.
const t0 = performance.now();
const { createInProcessApi } = await import('../dist/src/testing/index.js');
const imported = performance.now() - t0;

async function oneApi() {
  const start = performance.now();
  const api = await createInProcessApi();
  const created = performance.now() - start;
  const res = await api.fetch('/v1/oauth-apps', { headers: { authorization: 'Bearer test-token' } });
  if (res.status !== 200) throw new Error(`first request answered ${res.status}`);
  await res.arrayBuffer();
  const ms = performance.now() - start;
  await api.close();
  return { created, ms };
}

const first = await oneApi();
const further = [];
for (let i = 0; i < 10; i++) further.push(await oneApi());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
process.stdout.write(`${JSON.stringify({ imported, first: first.ms, further: median(further.map((f) => f.ms)), furtherCreate: median(further.map((f) => f.created)) })}\n`);
