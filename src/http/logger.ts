import { pino, type DestinationStream, type Logger } from 'pino';
import type { RequestHandler } from 'express';
import { unref } from '../timers.js';

const LOG_FLUSH_MS = 250;

/** Pretty in a terminal, JSON lines otherwise (CI, containers, log shippers). */
export function createLogger(options: { level?: string; pretty?: boolean; destination?: DestinationStream } = {}): Logger {
  const level = options.level ?? 'info';
  if (options.destination) return pino({ level }, options.destination);
  const pretty = options.pretty ?? process.stdout.isTTY;
  if (pretty) return pino({ level, transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l', singleLine: true } } });
  // Buffered, asynchronous writes: a synchronous write per request line was a visible cost
  // in the benchmark's profile. The buffer is flushed every 250 ms, so a line reaches the log
  // within a second even when traffic is too thin to fill it, and on shutdown (serve's close).
  const destination = pino.destination({ dest: 1, sync: false, minLength: 8192 });
  const flush = () => {
    try {
      destination.flush();
    } catch {
      clearInterval(timer); // destroyed: the process is ending
    }
  };
  const timer = unref(setInterval(flush, LOG_FLUSH_MS));
  return pino({ level }, destination);
}

/**
 * One line per request: method, route (the spec's template when the validator matched one,
 * so IDs do not multiply the distinct routes), status, duration. Never a body, a query
 * string or a header: those can carry secrets and tokens.
 */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    if (!log.isLevelEnabled('info')) return next();
    const start = performance.now();
    res.once('finish', () => {
      const route = (req as { openapi?: { openApiRoute?: string } }).openapi?.openApiRoute ?? req.path;
      log.info({ method: req.method, route, status: res.statusCode, ms: Math.round((performance.now() - start) * 100) / 100 }, 'request');
    });
    next();
  };
}
