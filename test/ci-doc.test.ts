import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { packageRoot } from '../src/paths.js';
import { onPostgres } from './helpers/database.js';
import { freePort } from './helpers/prism.js';

// docs/ci.md's workflow, run step by step as GitHub Actions would (each `run:` in its own bash,
// in order, in a fresh folder), with `npx oauth-apps-api` as this checkout's built CLI and a
// free port for 3000. Proves the documented commands start the sandbox, run the suite and
// leave the JUnit file where the upload step looks for it.
interface Step { name?: string; run?: string; uses?: string; with?: Record<string, string> }

function workflow(): Step[] {
  const doc = readFileSync(join(packageRoot, 'docs', 'ci.md'), 'utf8');
  const section = doc.split(/^## GitHub Actions$/m)[1];
  if (!section) throw new Error("docs/ci.md: the 'GitHub Actions' section is gone");
  const yaml = /^```yaml\n([\s\S]*?)^```/m.exec(section)?.[1];
  if (!yaml) throw new Error('docs/ci.md: no yaml block in the GitHub Actions section');
  return (YAML.parse(yaml) as { jobs: Record<string, { steps: Step[] }> }).jobs.contract!.steps;
}

describe.skipIf(onPostgres)('docs/ci.md', () => {
  it('its workflow starts the sandbox, runs the contract suite and leaves the JUnit report for the upload', { timeout: 180_000 }, async () => {
    const steps = workflow();
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
    expect(upload?.with?.path).toBe('reports/contract.xml');
    const runs = steps.filter((s) => s.run && s.run !== 'npm ci').map((s) => s.run!);
    expect(runs.length).toBe(2);
    const port = String(await freePort());
    const cli = `node ${join(packageRoot, 'dist', 'src', 'cli.js')}`;
    const dir = mkdtempSync(join(tmpdir(), 'ci-doc-'));
    const env: Record<string, string> = { ...process.env } as Record<string, string>;
    runs.forEach((r, i) => (env[`STEP_${i}`] = r.replaceAll('npx oauth-apps-api', cli).replaceAll('127.0.0.1:3000', `127.0.0.1:${port}`).replaceAll('--port 3000', `--port ${port}`)));
    const script = runs.map((_, i) => `bash -eo pipefail -c "$STEP_${i}"`).join(' && ');
    // Its own process group, so the sandbox it backgrounds is stopped with it.
    const child = spawn('bash', ['-c', script], { cwd: dir, env, detached: true });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    try {
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code, out).toBe(0);
      expect(out).toMatch(/\n\d+ passed, 0 failed, 0 skipped\n/);
      const xml = readFileSync(join(dir, upload!.with!.path!), 'utf8');
      expect(xml).toMatch(/<testsuite [^>]*failures="0"/);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(dir)).toBe(false);
  });
});
