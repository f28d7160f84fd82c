import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from './errors.js';

/**
 * Requests Node's HTTP parser refuses before Express sees them (control characters in a
 * header, headers or URL over the 16 KiB limit, a client too slow to send its request) still
 * get an answer in the API's error shape instead of Node's bare one. Express's error handler
 * cannot do it: these requests never become Express requests.
 */
export function answerClientErrors(server: Server) {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
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
  });
}
