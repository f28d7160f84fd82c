import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from './errors.js';
import { unref } from '../timers.js';

// How long, and how much, a refused client may go on sending after its answer (see linger).
const LINGER_MS = 2_000;
const LINGER_BYTES = 16 * 1024 * 1024;

/**
 * Requests Node's HTTP parser refuses before Express sees them (control characters in a
 * header, headers or URL over the 16 KiB limit, a client too slow to send its request), and
 * those Node answers itself (CONNECT, an unknown Expect), still get an answer in the API's
 * error shape instead of Node's bare one. Express's error handler cannot do it: these
 * requests never become Express requests.
 */
export function answerClientErrors(server: Server) {
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Node's parser stays in its error state and reports again for every further chunk the
    // client sends: the first report was answered, and the linger reads the rest.
    if (answered.has(socket)) return;
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    answered.add(socket);
    const [status, summary] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The request headers (URL included) are larger than the 16 KiB limit.']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'The request was not received in time.']
          : [400, 'Malformed HTTP request.'];
    answerOnSocket(socket, status, summary);
  });

  // Node answers these itself, bare, unless the server listens for them.
  // CONNECT (a proxy's tunnel): this is no proxy.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) =>
    answerOnSocket(socket, 405, 'Method not allowed: CONNECT; this server is no proxy.', `Allow: ${SERVED_METHODS}\r\n`),
  );
  // An Expect other than 100-continue (RFC 9110 §10.1.1: 417).
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) =>
    answer(res, 417, `Expectation failed: only "Expect: 100-continue" is supported, not "${req.headers.expect}".`),
  );
}

/**
 * For a request answered before its body was read (an announced body over the limit): once
 * the answer is written, Node closes the connection with `destroySoon`, which drops what the
 * client is still sending and so resets the connection under the answer. The lingering close
 * instead (see linger). No-op where the socket is not a real one (light-my-request's).
 */
export function closeLingering(socket: Duplex & { destroySoon?: () => void }) {
  if (typeof socket.destroySoon !== 'function') return;
  socket.destroySoon = () => {
    socket.end();
    linger(socket);
  };
}

/**
 * HTTP/1.1 requires a Host header (RFC 9112 §3.2): the server is created with Node's own check
 * off (`requireHostHeader: false`, whose answer is a bare 400) and this one on, in the API's
 * shape. True when it answered.
 */
export function refusedForMissingHost(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.headers.host !== undefined || req.httpVersion !== '1.1') return false;
  answer(res, 400, 'Malformed HTTP request: HTTP/1.1 requires a Host header.');
  return true;
}

function answer(res: ServerResponse, status: number, summary: string) {
  const body = JSON.stringify({ summary } satisfies ErrorBody);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
}

/** Every method some route of the server answers (a 405 must say what is allowed). */
const SERVED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

function answerOnSocket(socket: Duplex, status: number, summary: string, extraHeaders = '') {
  const body = JSON.stringify({ summary } satisfies ErrorBody);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n${extraHeaders}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  linger(socket);
}

/**
 * A lingering close (RFC 9112 §9.6): the answer is sent and the write side half-closed, then
 * what the client is still sending (the rest of a multi-megabyte URL) is read and dropped
 * until it closes. Closing a socket with unread input makes the kernel send a reset, and a
 * reset lets the client lose the answer: a client in another process then fails its write
 * (EPIPE) before reading on every Node line, and on Node 24 even an in-process one reports
 * ECONNRESET instead of the end of the stream. Bounded in time and bytes, as a client could
 * send forever.
 */
export function linger(socket: Duplex) {
  let read = 0;
  const timer = unref(setTimeout(() => socket.destroy(), LINGER_MS));
  socket.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > LINGER_BYTES) socket.destroy();
  });
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
}
