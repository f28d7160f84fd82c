// Cost of the in-process API: run in a fresh process (cold module cache), it times building an
// app (createApp on an in-memory SQLite store) and answering its first request, for the first
// app of the process and for each further one; prints one JSON line. Used by `npm run bench`.
const t0 = performance.now();
const { createApp } = await import('../dist/src/server/app.js');
const { createLogger } = await import('../dist/src/server/logger.js');
const { SqliteStore } = await import('../dist/src/store/sqlite.js');
const imported = performance.now() - t0;
const logger = createLogger({ level: 'silent', destination: { write: () => undefined } });

async function oneApp() {
  const start = performance.now();
  const app = createApp({ store: new SqliteStore(':memory:'), token: 't', logger });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const res = await fetch(`http://127.0.0.1:${server.address().port}/v1/oauth-apps`, { headers: { authorization: 'Bearer t' } });
  if (res.status !== 200) throw new Error(`first request answered ${res.status}`);
  await res.arrayBuffer();
  const ms = performance.now() - start;
  await new Promise((r) => server.close(r));
  return ms;
}

const first = await oneApp();
const further = [];
for (let i = 0; i < 10; i++) further.push(await oneApp());
further.sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ imported, first, further: further[Math.floor(further.length / 2)] })}\n`);
