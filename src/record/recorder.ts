/**
 * The recording proxy: in front of a real service (or staging, or any conformant server), it
 * passes each request upstream with the caller's own headers and returns the upstream's answer
 * unchanged, while it checks both against the spec (the request with the project's one
 * validator, server/validator.ts; the response with the spec's schema, as check.ts does) and
 * keeps what it saw: `usage.json` (the exchanges, secrets masked) and `seed.json` (the apps
 * seen, a seed that `serve --seed` and `createInProcessApi({ seed })` load).
 *
 * No header is ever written down (the token travels, it is not kept); a violation is named in
 * the `sl-violations` response header, as Prism's validating proxy does, and in the exchange.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import express from 'express';
import { createProxyMiddleware, responseInterceptor } from 'http-proxy-middleware';
import { checkSeed } from '../sandbox/seed.js';
import { loadSpec, type OpenApiDocument } from '../spec/index.js';
import { operationMatcher } from '../spec/operations.js';
import { exchangeExaminer } from '../usage/check.js';
import { usageFile, type Exchange, type QueryValues } from '../usage/format.js';
import { SeedState } from './seed-state.js';

export interface RecorderOptions {
  upstream: string;
  port: number;
  host: string;
  /** The recording directory (created if missing). */
  out: string;
  /** Stop after this many recorded exchanges. */
  maxRequests?: number;
  /** Keep apps' secrets in seed.json (the usage file masks them whatever this says). */
  keepSecrets?: boolean;
  /** The consumer the usage file is for (default `recorded`). */
  consumer?: string;
  spec?: OpenApiDocument;
  /** How often the directory is brought up to date while recording (default 5 s). */
  intervalMs?: number;
}

export interface Recorder {
  url: string;
  /** Exchanges recorded so far. */
  readonly count: number;
  /** Writes the directory, stops listening; resolves once both are done. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when the recorder has stopped (by stop() or by --max-requests). */
  stopped: Promise<void>;
}

const RAW_LIMIT = '16mb'; // above the API's 1 MiB: the upstream, not the recorder, refuses large bodies

export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const spec = options.spec ?? loadSpec();
  const match = operationMatcher(spec);
  const examine = exchangeExaminer(spec, 'conformance');
  const exchanges: Exchange[] = [];
  const seed = new SeedState(!!options.keepSecrets);
  const consumer = options.consumer ?? 'recorded';
  mkdirSync(options.out, { recursive: true });

  let dirty = true;
  const write = () => {
    if (!dirty) return;
    dirty = false;
    const apps = checkSeed(seed.seed(), 'the recorded seed'); // what serve --seed will accept
    writeAtomically(join(options.out, 'seed.json'), apps);
    writeAtomically(join(options.out, 'usage.json'), usageFile(consumer, exchanges, 'record'));
  };

  const app = express();
  app.disable('x-powered-by');
  // The body as bytes, as sent (not inflated): forwarded exactly, parsed only for the recording.
  app.use(express.raw({ type: () => true, limit: RAW_LIMIT, inflate: false }));
  app.use(
    createProxyMiddleware<IncomingMessage & { body?: Buffer }>({
      target: options.upstream,
      changeOrigin: true,
      selfHandleResponse: true,
      on: {
        // The upstream unreachable (refused, reset, timed out): a 502 in the API's error shape.
        error: (err, _req, res) => {
          const summary = `The recorder could not reach the upstream ${options.upstream}: ${(err as NodeJS.ErrnoException).code ?? err.message}.`;
          if ('writeHead' in res && !res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ summary }));
          else res.end();
        },
        proxyReq: (proxyReq, req) => {
          const body = req.body;
          if (Buffer.isBuffer(body) && body.length) {
            proxyReq.setHeader('content-length', body.length);
            proxyReq.write(body);
          }
        },
        proxyRes: responseInterceptor(async (buffer, proxyRes, req, res) => {
          const exchange = toExchange(req as IncomingMessage & { body?: Buffer }, proxyRes, buffer, match);
          if (!exchange) return buffer;
          const problems = await examine(exchange);
          if (problems.length) {
            exchange.violations = problems.map((p) => `${p.kind === 'request-refused' ? 'request' : 'response'}: ${p.message} (at ${p.at[0]})`);
            res.setHeader('sl-violations', headerSafe(JSON.stringify(problems.map((p) => ({ location: [p.kind === 'request-refused' ? 'request' : 'response'], severity: 'Error', code: p.kind, message: p.message, at: p.at[0] })))));
          }
          seed.see(exchange);
          exchanges.push(exchange);
          dirty = true;
          if (options.maxRequests && exchanges.length >= options.maxRequests) res.once('finish', () => void stop());
          return buffer;
        }),
      },
    }),
  );

  // A body beyond RAW_LIMIT (or a broken upload) never reached the proxy: answered in the API's error shape.
  app.use(((err: { status?: number; message: string }, _req, res, _next) => {
    res.status(err.status && err.status >= 400 && err.status < 500 ? err.status : 500).json({ summary: `The recorder refused the request: ${err.message}` });
  }) as express.ErrorRequestHandler);

  const server: Server = createServer(app);
  server.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const timer = setInterval(() => {
    try {
      write();
    } catch (err) {
      process.stderr.write(`oauth-apps-api record: cannot write ${options.out}: ${(err as Error).message}\n`);
    }
  }, options.intervalMs ?? 5_000);
  timer.unref();

  let stopping: Promise<void> | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  const stop = () =>
    (stopping ??= new Promise<void>((resolve) => {
      clearInterval(timer);
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 2_000).unref();
    }).then(() => {
      dirty = true;
      try {
        write();
      } catch (err) {
        process.stderr.write(`oauth-apps-api record: cannot write ${options.out}: ${(err as Error).message}\n`);
      }
      resolveStopped();
    }));

  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    get count() {
      return exchanges.length;
    },
    stop,
    stopped,
  };
}

/** The exchange to record, or undefined for what is not the API (/healthz, /__sandbox, docs). */
function toExchange(req: IncomingMessage & { body?: Buffer; originalUrl?: string }, proxyRes: IncomingMessage, buffer: Buffer, match: ReturnType<typeof operationMatcher>): Exchange | undefined {
  const url = new URL(req.originalUrl ?? req.url ?? '/', 'http://recorder.invalid');
  const method = (req.method ?? 'GET').toUpperCase();
  const op = match(method, url.pathname);
  if (!op && !url.pathname.startsWith('/v1/')) return undefined;
  const query: QueryValues = {};
  for (const [k, v] of url.searchParams) {
    const had = query[k];
    query[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  const requestType = req.headers['content-type'];
  const sent = Buffer.isBuffer(req.body) && req.body.length ? decoded(req.body, req.headers['content-encoding']) : undefined;
  const responseType = proxyRes.headers['content-type'];
  const prefer = req.headers.prefer;
  return {
    operation_id: op?.operationId ?? null,
    method,
    path: url.pathname,
    query,
    request: { ...(requestType ? { content_type: requestType } : {}), ...jsonOf(sent, requestType) },
    response: { status: proxyRes.statusCode ?? 0, ...(responseType ? { content_type: responseType } : {}), ...jsonOf(buffer, responseType) },
    time: new Date().toISOString(),
    // The sandbox steers by Prefer: the status is what the consumer met, not the server's own behaviour.
    ...(prefer ? { steered_by: `Prefer: ${Array.isArray(prefer) ? prefer.join(', ') : prefer}` } : {}),
  };
}

function decoded(body: Buffer, encoding: string | undefined): Buffer | undefined {
  try {
    const e = (encoding ?? 'identity').trim().toLowerCase();
    return e === 'gzip' ? gunzipSync(body) : e === 'deflate' ? inflateSync(body) : e === 'br' ? brotliDecompressSync(body) : body;
  } catch {
    return undefined; // not what it claims: recorded without a body
  }
}

/** `{ body }` when the bytes are JSON by their type and parse; nothing otherwise. */
function jsonOf(bytes: Buffer | undefined, type: string | undefined): { body?: unknown } {
  if (!bytes?.length || !/json/i.test(type ?? '')) return {};
  try {
    return { body: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch {
    return {};
  }
}

/** A header value is Latin-1: anything else escaped, as JSON would. */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function writeAtomically(file: string, value: unknown) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}
