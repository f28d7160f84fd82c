// `oauth-apps-api/testing/msw`: the one entry whose types name msw's, so that
// `oauth-apps-api/testing` type-checks without msw (an optional peer) under `skipLibCheck: false`.
import type { HttpHandler, http as MswHttp } from 'msw';
import { createRequire } from 'node:module';

/** An MSW request handler (msw's `HttpHandler`, of the msw major installed: 2 or 3). */
export type MswHandler = HttpHandler;

/**
 * MSW request handlers answering every request under `baseUrl` from an in-process API (or any
 * `fetch` that answers by path, such as `createInProcessApi()`'s), for
 * `setupServer(...await mswHandlers(api, 'http://api.test'))` (msw/node): code that calls the
 * global `fetch` itself is then served too. A path in `baseUrl` (`http://localhost/api`) is a
 * prefix, stripped before the API sees the request. Needs the optional peer dependency `msw`,
 * 2 (Node 18+) or 3 (Node 22.12+); where the installed msw cannot run on this Node, it rejects
 * at once saying which Node it needs. Create the clients your code uses after
 * `server.listen()`: one made before it keeps the fetch it found at load time, which MSW never sees.
 */
export async function mswHandlers(api: { fetch: typeof fetch }, baseUrl: string): Promise<MswHandler[]> {
  const { http } = await loadMsw();
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  return [
    http.all(`${base.origin}${prefix}/*`, async ({ request }) => {
      if (!prefix) return api.fetch(request);
      const url = new URL(request.url);
      url.pathname = url.pathname.slice(prefix.length) || '/';
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
      return api.fetch(new Request(url, { method: request.method, headers: request.headers, body, signal: request.signal }));
    }),
  ];
}

/** The MSW majors `mswHandlers` is tested with (the peer range says the same). */
export const MSW_MAJORS = [2, 3] as const;

/**
 * msw's `http`, loaded at `mswHandlers()` time, after checking that the installed msw can run
 * on this Node. msw 3 declares Node ≥ 22.12 (it calls Promise.withResolvers and Set methods of
 * Node 22); on Node 20 it imports fine and fails only at the first request, as
 * `TypeError: fetch failed` with the reason in `cause`. Here it fails at once, saying so.
 */
export async function loadMsw(): Promise<{ http: typeof MswHttp; version: string }> {
  const problem = mswRuntimeProblem();
  if (problem) throw new Error(`mswHandlers(): ${problem}`);
  const { http } = (await import('msw')) as { http: typeof MswHttp };
  return { http, version: mswManifest().version };
}

/** Why the installed msw cannot run on this Node (its `engines.node` says so), or undefined. */
export function mswRuntimeProblem(): string | undefined {
  const manifest = mswManifest();
  const needed = /^>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(manifest.engines?.node ?? '');
  if (!needed || atLeast(process.versions.node, needed.slice(1).map((n) => Number(n ?? 0)))) return undefined;
  const version = needed.slice(1).map((n) => n ?? '0').join('.');
  return (
    `msw ${manifest.version} needs Node ${version} or later, and this is Node ${process.versions.node}. ` +
    `Run the tests on Node ${version}+, or install msw 2 (npm i -D msw@2), which oauth-apps-api supports too and which runs on Node 18 and later.`
  );
}

function mswManifest(): { version: string; engines?: { node?: string } } {
  try {
    // Resolved from the kit, as its `import('msw')` is (a peer: the consumer's msw).
    return createRequire(import.meta.url)('msw/package.json') as { version: string; engines?: { node?: string } };
  } catch (err) {
    throw new Error('mswHandlers() needs the msw package (2 or 3), an optional peer dependency of oauth-apps-api: npm i -D msw', { cause: err });
  }
}

function atLeast(current: string, needed: number[]): boolean {
  const have = current.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) !== (needed[i] ?? 0)) return (have[i] ?? 0) > (needed[i] ?? 0);
  }
  return true;
}
