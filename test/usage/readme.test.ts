import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { startChildServer, type ChildServer } from '../helpers/child.js';
import { dropTestSchemas, freshDatabaseUrl } from '../helpers/database.js';
import { readUsageFile } from '../../src/usage/format.js';
import { readGuides } from '../helpers/guides.js';
import { freePort } from '../helpers/prism.js';

// The "Record, replay, and gate on real usage" commands (docs/usage.md, linked from the README), run in order as a user
// types them, in an empty directory (with the repository's openapi/ beside it): `npx
// oauth-apps-api` is the built CLI, the reference server of `npm start` (3000) is a fresh one,
// and the section's other ports are free ones. A line ending in `&` is a process left running
// (the next line waits for it to say it listens); `kill -INT %N` stops the Nth of them.
function sectionCommands(): string[] {
  // The section, wherever it lives among the README and its guides (docs/usage.md today).
  const section = /^## Record, replay, and gate on real usage\n([\s\S]*?)(?=^#{1,2} |(?![\s\S]))/m.exec(readGuides())?.[1];
  if (!section) throw new Error('README and guides: the section "Record, replay, and gate on real usage" is gone');
  const block = /^```sh\n([\s\S]*?)^```/m.exec(section)?.[1];
  if (!block) throw new Error('README: the section has no sh block of commands');
  return block.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

interface Background {
  child: ChildProcess;
  output: string;
  exited: Promise<unknown>;
}

describe('the README’s record, replay and gate commands', () => {
  const commands = sectionCommands();
  const dir = mkdtempSync(join(tmpdir(), 'readme-usage-'));
  let upstream: ChildServer;
  let databaseUrl: string;
  const ports = new Map<string, string>();
  const background: Background[] = [];
  const outputs: string[] = [];

  beforeAll(async () => {
    databaseUrl = freshDatabaseUrl();
    upstream = await startChildServer({ databaseUrl, token: 'dev-token', seed: true });
    ports.set('3000', new URL(upstream.url).port);
    for (const port of new Set(commands.join('\n').match(/(?<=127\.0\.0\.1:|--port )\d{4}/g))) if (!ports.has(port)) ports.set(port, String(await freePort()));
    symlinkSync(join(packageRoot, 'openapi'), join(dir, 'openapi'));
  });
  afterAll(async () => {
    for (const b of background) b.child.kill('SIGTERM');
    await Promise.all(background.map((b) => b.exited));
    upstream?.child.kill('SIGTERM');
    await upstream?.exited;
    await dropTestSchemas(databaseUrl);
    rmSync(dir, { recursive: true, force: true });
  });

  const localized = (line: string) =>
    line
      .replace(/^npx oauth-apps-api\b/, `"${process.execPath}" "${join(packageRoot, 'dist', 'src', 'cli.js')}"`)
      .replace(/(127\.0\.0\.1:|--port )(\d{4})/g, (_m, before: string, port: string) => `${before}${ports.get(port) ?? port}`);

  it('run, each line succeeding: a recording, a server replaying it, a check of it', async () => {
    expect(commands.length).toBeGreaterThanOrEqual(6);
    for (const line of commands) {
      const kill = /^kill -INT %(\d+)$/.exec(line);
      if (kill) {
        const job = background[Number(kill[1]) - 1]!;
        job.child.kill('SIGINT');
        expect(await job.exited, job.output).toBe(0);
        continue;
      }
      if (line.endsWith('&')) {
        const child = spawn('bash', ['-c', `exec ${localized(line.slice(0, -1))}`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        const job: Background = { child, output: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
        background.push(job);
        await new Promise<void>((resolve, reject) => {
          const onData = (c: Buffer) => {
            job.output += c;
            if (/^(Recording|OAuth apps API listening on) http/m.test(job.output)) resolve();
          };
          child.stdout!.on('data', onData);
          child.stderr!.on('data', onData);
          void job.exited.then((code) => reject(new Error(`${line} exited (${code}):\n${job.output}`)));
        });
        continue;
      }
      const run = spawnSync('bash', ['-c', `set -euo pipefail; ${localized(line)}`], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(run.status, `${line}\n${run.stdout}\n${run.stderr}`).toBe(0);
      outputs.push(run.stdout);
    }
  });

  it('replayed the recorded state: the fresh server lists exactly the apps the recording saw', () => {
    const listed = outputs.map((o) => (o.startsWith('{"data"') ? (JSON.parse(o) as { data: { name: string; provider: string }[] }) : undefined)).filter(Boolean);
    const [recorded, replayed] = listed;
    const created = outputs.map((o) => (o.startsWith('{"id"') ? (JSON.parse(o) as { name: string }) : undefined)).find(Boolean);
    expect(recorded!.data.every((a) => a.provider === 'stripe')).toBe(true);
    expect(replayed!.data).toEqual([...recorded!.data, created]);
  });

  it('checked the recording: no break against today’s spec, no token or secret in it', () => {
    expect(outputs.at(-1)).toContain('web-app: 2 exchange(s), no break');
    // Two sources, one format: what the proxy recorded is what the server's journal exported.
    const shape = (file: string) => readUsageFile(join(dir, file)).exchanges.map((e) => [e.operation_id, e.method, e.path, e.query, e.response.status]);
    expect(readUsageFile(join(dir, 'usage/web-app.json')).source).toBe('journal');
    expect(shape('usage/web-app.json')).toEqual(shape('recording/usage.json'));
    for (const file of ['recording/usage.json', 'recording/seed.json', 'usage/web-app.json']) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text).not.toContain('dev-token');
      expect(text).not.toContain('s3cret');
    }
  });
});
