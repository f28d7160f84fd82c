// The reference server of `npm run dev`, run from src/ by the dev loop (src/dev/loop.ts) in a
// child process, so that a save under src/ starts a new one with the new code. Its
// conversation with the loop, over IPC:
//   child → loop  {type:'loaded'}      every module imported, the seed read: the code is good
//   loop → child  {type:'listen'}      (the previous server has let go of the port)
//   child → loop  {type:'listening', url} | {type:'failed', message}
//   loop → child  {type:'reload'}      the bundles were rewritten: swap in an app built from them
//   child → loop  {type:'reloaded', ms}
//   loop → child  {type:'close'}       finish in-flight requests, close the store, exit
// A spec save never restarts it: the same listener and store get an app built from the new
// bundles (serve's reload), so the data made so far stays.
import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import connectLivereload from 'connect-livereload';
import { bundledSandboxJson, bundledSpecJson } from '../paths.js';
import { defaultSeedFile, loadSeedFile } from '../sandbox/seed.js';
import { createLogger } from '../http/logger.js';
import { serve, type RunningServer } from '../app/serve.js';
import { loadSpec } from '../spec/index.js';

type FromLoop = { type: 'listen' } | { type: 'reload' } | { type: 'close' };

const send = (message: object) => process.send?.(message);
const env = process.env;

// The docs pages get the LiveReload client (its server is the loop's, on LIVERELOAD_PORT).
const injectReloader = connectLivereload({ port: Number(env.LIVERELOAD_PORT ?? 35729) });

/**
 * connect-livereload turns each chunk it is written into text on its own, so a UTF-8 character
 * split between two chunks of a page (the docs pages are 2.5 MB, sent in 64 KiB chunks) comes
 * out garbled: its writes get whole characters here. Only text is decoded; anything else passes.
 */
function wholeCharacters(res: ServerResponse) {
  const decoder = new StringDecoder('utf8');
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  const text = () => /^text\//.test(String(res.getHeader('content-type') ?? ''));
  const decode = (chunk: unknown) => (Buffer.isBuffer(chunk) ? decoder.write(chunk) : chunk);
  res.write = ((chunk: unknown, ...rest: unknown[]) => write(text() ? decode(chunk) : chunk, ...rest)) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (!text()) return end(chunk, ...rest);
    if (typeof chunk === 'function') return end(decoder.end(), chunk);
    return end(`${(decode(chunk) as string | undefined) ?? ''}${decoder.end()}`, ...rest);
  }) as typeof res.end;
}

async function main() {
  const seedFile = env.SEED_FILE === 'none' ? undefined : (env.SEED_FILE ?? defaultSeedFile);
  const seed = seedFile ? await loadSeedFile(seedFile) : [];
  let running: RunningServer | undefined;
  process.on('message', (message: FromLoop) => {
    if (message.type === 'listen') void listen();
    else if (message.type === 'reload') {
      const t = performance.now();
      try {
        running?.reload({ spec: loadSpec(bundledSpecJson), sandboxSpec: loadSpec(bundledSandboxJson) });
        send({ type: 'reloaded', ms: performance.now() - t });
      } catch (err) {
        send({ type: 'failed', message: (err as Error).message });
      }
    } else if (message.type === 'close') stop();
  });
  // Asked, the loop gone, or Ctrl-C (which reaches every process of the terminal's group): finish and go.
  const stop = () => void (running?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  process.on('disconnect', stop);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const listen = async () => {
    try {
      running = await serve({
        port: Number(env.PORT ?? 3000),
        host: env.HOST ?? '127.0.0.1',
        token: env.API_TOKEN,
        databaseUrl: env.DATABASE_URL ?? 'sqlite::memory:',
        logger: createLogger({ level: env.LOG_LEVEL ?? 'warn' }),
        seed,
        // The bundles as they are now (the process reads them fresh, not a cached copy).
        spec: loadSpec(bundledSpecJson),
        sandboxSpec: loadSpec(bundledSandboxJson),
        before: (req, res, next) => (req.url?.startsWith('/docs') ? injectReloader(req, res, () => (wholeCharacters(res), next())) : next()),
      });
      send({ type: 'listening', url: running.url });
    } catch (err) {
      send({ type: 'failed', message: (err as Error).message });
      process.exit(1);
    }
  };
  send({ type: 'loaded' });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: (err as Error).message });
  process.exit(1);
});
