import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bundledSpecYaml } from './paths.js';

/**
 * Prism's CLI entry, found through its package (works wherever npm placed it). Prism is an
 * optional peer dependency: only `mock` and `proxy` run it, and it is most of what an install
 * of the kit would otherwise weigh, for the many who only serve or test in-process.
 */
function prismBin(): string {
  const require = createRequire(import.meta.url);
  let pkgFile: string;
  try {
    pkgFile = require.resolve('@stoplight/prism-cli/package.json');
  } catch (err) {
    throw new Error(
      '`mock` and `proxy` run Prism, an optional peer dependency of oauth-apps-api that is not installed. ' +
        'Install it beside the kit: `npm i -D @stoplight/prism-cli@5.14` (`pnpm add -D …`, `yarn add -D …`). `serve`, `contract` and `fuzz` need no Prism.',
      { cause: err },
    );
  }
  const { bin } = require(pkgFile) as { bin: { prism: string } };
  return join(dirname(pkgFile), bin.prism);
}

export interface MockOptions {
  port: number;
  host: string;
  /** Generate data from the schemas instead of serving the named examples. */
  dynamic?: boolean;
  /** Fixed seed for dynamic data, so runs repeat. */
  seed?: string;
}

/** `prism mock` on the bundled spec: every operation answered from its named examples. */
export function startMock(o: MockOptions, stdio: 'inherit' | 'pipe' = 'inherit'): ChildProcess {
  const args = ['mock', bundledSpecYaml, '--port', String(o.port), '--host', o.host];
  if (o.dynamic) args.push('--dynamic');
  if (o.seed) args.push('--seed', o.seed);
  return spawn(process.execPath, [prismBin(), ...args], { stdio });
}

/**
 * `prism proxy --errors`: forwards to `upstream` and turns every contract violation (of the
 * request or of the upstream's response) into an error response, listing it in the
 * `sl-violations` header.
 */
export function startProxy(upstream: string, o: Omit<MockOptions, 'dynamic' | 'seed'>, stdio: 'inherit' | 'pipe' = 'inherit'): ChildProcess {
  const args = ['proxy', bundledSpecYaml, upstream, '--errors', '--port', String(o.port), '--host', o.host];
  return spawn(process.execPath, [prismBin(), ...args], { stdio });
}
