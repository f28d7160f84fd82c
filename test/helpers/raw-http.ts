import { connect, type Socket } from 'node:net';

/** Sends raw bytes (what fetch refuses to send) and returns the raw response, once the server closes. */
export function rawHttp(url: string, request: string | ((socket: Socket) => void)): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let out = '';
    socket.on('data', (c) => (out += c));
    socket.on('end', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.on('connect', () => (typeof request === 'string' ? socket.write(request) : request(socket)));
  });
}

/** The JSON body of a raw response. */
export const bodyOf = (raw: string) => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { summary: string; validation_errors?: Record<string, string[]> };
