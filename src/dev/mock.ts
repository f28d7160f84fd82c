// The Prism mock of `npm run dev`: Prism's own HTTP server (prism-http-server, with the options
// `prism mock` gives it), built anew from each good bundle and swapped in behind one listener.
// Restarting `prism mock` takes 1.2–1.7 s here, during which the port refuses connections, and
// Prism's own watcher misses edits to $ref'd files and stops after an invalid save.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

// Prism's packages, resolved as prism-cli resolves them (its own dependencies).
const fromPrism = createRequire(createRequire(import.meta.url).resolve('@stoplight/prism-cli/package.json'));
const { createServer: createPrismServer } = fromPrism('@stoplight/prism-http-server') as { createServer(operations: unknown[], opts: unknown): unknown };
const { getHttpOperationsFromSpec } = fromPrism('@stoplight/prism-http') as { getHttpOperationsFromSpec(spec: string): Promise<unknown[]> };
// prism-http-server builds its http.Server with micri and keeps it private (reachable only
// through its own listen/close); it is taken here as micri makes it, never listening, and the
// mock's one listener hands each request to the current one.
const { createLogger } = fromPrism('@stoplight/prism-core') as {
  createLogger(name: string, options: object, destination: { write(record: string): void }): { child(bindings: object): unknown };
};
const micri = createRequire(fromPrism.resolve('@stoplight/prism-http-server'))('micri') as { default: (handler: unknown) => Server };

function prismServer(operations: unknown[], opts: unknown): Server {
  const make = micri.default;
  let made: Server | undefined;
  micri.default = (handler) => (made = make(handler));
  try {
    createPrismServer(operations, opts);
  } finally {
    micri.default = make;
  }
  if (!made) throw new Error('prism-http-server no longer makes its server with micri: update src/dev/mock.ts');
  return made;
}

export interface DevMock {
  url: string;
  /** Serves `specFile` (the bundled YAML) from now on; throws (and keeps the old one) when Prism cannot read it. */
  load(specFile: string): Promise<{ operations: number }>;
  close(): Promise<void>;
}

/** `prism mock`'s configuration for a mock (no proxy, examples not dynamic, checks on). */
const config = {
  validateRequest: true,
  validateResponse: true,
  checkSecurity: true,
  errors: false,
  upstreamProxy: undefined,
  mock: { dynamic: false, ignoreExamples: false },
  isProxy: false,
};

export async function startDevMock(specFile: string, port: number, host: string, log: (line: string) => void): Promise<DevMock> {
  // Prism's request log (one record per request) would drown the rebuild lines; its
  // contract violations are what a designer wants to see.
  const logger = createLogger('CLI', { level: 'warn' }, { write: (record: string) => log(`  mock: ${(JSON.parse(record) as { msg: string }).msg}`) });
  let current: Server | undefined;
  const load = async (file: string) => {
    const operations = await getHttpOperationsFromSpec(file);
    if (!operations.length) throw new Error(`no operations in ${file}`);
    current = prismServer(operations, { cors: true, config, components: { logger: logger.child({ name: 'HTTP SERVER' }) } });
    return { operations: operations.length };
  };
  await load(specFile);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => void current!.emit('request', req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    load,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

