// The two LiveReload packages ship no types; the parts `npm run dev` uses.
declare module 'connect-livereload' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  export default function connectLivereload(options?: { port?: number; src?: string }): (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
}

declare module 'livereload' {
  import type { Server } from 'node:http';
  export interface LiveReloadServer {
    /** Its own HTTP server (serving livereload.js), which the WebSocket server shares. */
    config: { server: Server };
    listen(callback?: () => void): void;
    refresh(path: string): void;
    close(): void;
  }
  export function createServer(options?: { port?: number; host?: string; noListen?: boolean }, callback?: () => void): LiveReloadServer;
}
