// The two tarballs, packed once per build however many test files ask for them (each vitest
// file runs in a worker of its own): the first packs into a folder named after the build, the
// others wait for it. `npm pack --ignore-scripts`: the suite runs after `npm test`'s build;
// prepack/prepare would rebuild the packages under the feet of tests running in parallel.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot as repo } from '../../src/paths.js';

const exec = promisify(execFile);
const builtFiles = ['package.json', 'packages/client/package.json', 'dist/src/cli.js', 'dist/esm/testing.mjs', 'dist/cjs/testing.cjs', 'dist/esm/testing-msw.mjs', 'dist/cjs/testing-msw.cjs', 'packages/client/esm/index.js', 'packages/client/cjs/index.js', 'build/docs/index.html'];

export interface Tarballs {
  kit: string;
  client: string;
}

async function pack(dest: string, workspace?: string): Promise<string> {
  const args = ['pack', '--ignore-scripts', '--json', '--pack-destination', dest, ...(workspace ? ['-w', workspace] : [])];
  const { stdout } = await exec('npm', args, { cwd: repo });
  return join(dest, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
}

export async function packedTarballs(): Promise<Tarballs> {
  const stamp = createHash('sha1')
    .update(repo)
    .update(builtFiles.map((f) => `${f}:${existsSync(join(repo, f)) ? statSync(join(repo, f)).mtimeMs : 0}`).join())
    .digest('hex')
    .slice(0, 12);
  const dir = join(tmpdir(), `oauth-apps-packed-${stamp}`);
  const done = join(dir, 'tarballs.json');
  for (let waited = 0; waited < 180_000; waited += 250) {
    if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')) as Tarballs;
    try {
      mkdirSync(dir); // the one that creates it packs
    } catch {
      // Another worker is packing; a folder left by a run that died is taken over after 3 min.
      if (Date.now() - statSync(dir).mtimeMs > 180_000) rmSync(dir, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    try {
      const tarballs = { client: await pack(dir, 'oauth-apps-api-client'), kit: await pack(dir) };
      writeFileSync(done, JSON.stringify(tarballs));
      return tarballs;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  throw new Error(`no tarballs in ${dir} after 3 minutes`);
}
