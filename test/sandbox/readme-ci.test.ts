import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import YAML from 'yaml';
import { packageRoot } from '../../src/paths.js';
import { readGuides } from '../helpers/guides.js';
import { startChildServer, type ChildServer } from '../helpers/child.js';
import { dropTestSchemas, freshDatabaseUrl } from '../helpers/database.js';

// The README's "One namespace per CI job" workflow, run step by step as GitHub Actions would
// (bash, $GITHUB_ENV carried between steps, `if: always()` steps run after a failure) against
// the built CLI's server, started with a cap of 2 namespaces to check that option too.
const TOKEN = 'readme-ci-server-token';
let server: ChildServer;
const dir = mkdtempSync(join(tmpdir(), 'readme-ci-'));

beforeAll(async () => {
  server = await startChildServer({ databaseUrl: freshDatabaseUrl(), token: TOKEN, extra: ['--max-namespaces', '2'] });
});
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  rmSync(dir, { recursive: true, force: true });
  await dropTestSchemas();
});

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
}

function readmeWorkflow(): Step[] {
  const readme = readGuides();
  const section = readme.slice(readme.indexOf('### One namespace per CI job'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
  const jobs = (YAML.parse(yaml) as { jobs: Record<string, { steps: Step[] }> }).jobs;
  return Object.values(jobs)[0]!.steps;
}

const admin = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });

it("the README's CI job takes a namespace, passes the contract suite in it, and gives it back", { timeout: 120_000 }, async () => {
  const steps = readmeWorkflow();
  expect(steps.filter((s) => s.run).length).toBeGreaterThanOrEqual(3);
  const githubEnv = join(dir, 'github_env');
  writeFileSync(githubEnv, '');
  const env: Record<string, string> = { ...(process.env as Record<string, string>), SANDBOX_URL: server.url, SANDBOX_TOKEN: TOKEN, GITHUB_ENV: githubEnv };
  const outputs: string[] = [];
  let failed = false;
  for (const step of steps) {
    if (!step.run || (failed && step.if !== 'always()')) continue;
    // The kit's CLI as `npx oauth-apps-api` would run it once installed: the build of this checkout.
    const script = step.run.replaceAll('npx oauth-apps-api', `"${process.execPath}" "${join(packageRoot, 'dist', 'src', 'cli.js')}"`);
    try {
      outputs.push(execFileSync('bash', ['-eo', 'pipefail', '-c', script], { env, encoding: 'utf8', timeout: 90_000 }));
    } catch (err) {
      failed = true;
      outputs.push(`${step.name} failed: ${(err as { stdout?: string; stderr?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`);
    }
    // GitHub Actions hands what a step appended to $GITHUB_ENV to the steps after it.
    for (const line of readFileSync(githubEnv, 'utf8').split('\n').filter(Boolean)) {
      const [key, ...value] = line.split('=');
      env[key!] = value.join('=');
    }
  }
  expect(failed, outputs.join('\n')).toBe(false);
  expect(env.API_TOKEN).toMatch(/^nst_/);
  expect(env.NS_ID).toMatch(/^[0-9a-f-]{36}$/);
  expect(outputs.join('\n')).toMatch(/\n(\d+) passed, 0 failed/);
  // Given back: its token no longer works, and no namespace is left.
  expect((await fetch(`${server.url}/v1/oauth-apps`, { headers: { authorization: `Bearer ${env.API_TOKEN}` } })).status).toBe(401);
  expect(await (await admin('/__sandbox/namespaces')).json()).toEqual({ data: [] });
  // The token appeared in no line the server printed.
  expect(server.output()).not.toContain(env.API_TOKEN!.slice(4));
});

it('--max-namespaces caps live namespaces: one more is a 429 in the error shape', async () => {
  const made = await Promise.all([admin('/__sandbox/namespaces', { method: 'POST', body: '{}' }), admin('/__sandbox/namespaces', { method: 'POST', body: '{}' })]);
  expect(made.map((r) => r.status)).toEqual([200, 200]);
  const third = await admin('/__sandbox/namespaces', { method: 'POST', body: '{}' });
  expect(third.status).toBe(429);
  expect(third.headers.get('retry-after')).toBe('60');
  expect(await third.json()).toEqual({ summary: expect.stringMatching(/maximum of 2 live namespaces/) });
});
