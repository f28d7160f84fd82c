import { pino, type DestinationStream, type Logger } from 'pino';
import type { RequestHandler } from 'express';

/** Pretty in a terminal, JSON lines otherwise (CI, containers, log shippers). */
export function createLogger(options: { level?: string; pretty?: boolean; destination?: DestinationStream } = {}): Logger {
  const level = options.level ?? 'info';
  if (options.destination) return pino({ level }, options.destination);
  const pretty = options.pretty ?? process.stdout.isTTY;
  if (pretty) return pino({ level, transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l', singleLine: true } } });
  // Buffered, asynchronous writes: a synchronous write per request line was a visible cost
  // in the benchmark's profile. Flushed on shutdown (serve's close).
  return pino({ level }, pino.destination({ dest: 1, sync: false, minLength: 8192 }));
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
