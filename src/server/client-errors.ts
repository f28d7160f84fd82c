import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from './errors.js';
import { unref } from '../timers.js';

// How long, and how much, a refused client may go on sending after its answer (see linger).
const LINGER_MS = 2_000;
const LINGER_BYTES = 16 * 1024 * 1024;

/**
 * Requests Node's HTTP parser refuses before Express sees them (control characters in a
 * header, headers or URL over the 16 KiB limit, a client too slow to send its request) still
 * get an answer in the API's error shape instead of Node's bare one. Express's error handler
 * cannot do it: these requests never become Express requests.
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
    const body = JSON.stringify({ summary } satisfies ErrorBody);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    linger(socket);
  });
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
function linger(socket: Duplex) {
  let read = 0;
  const timer = unref(setTimeout(() => socket.destroy(), LINGER_MS));
  socket.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > LINGER_BYTES) socket.destroy();
  });
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
}
