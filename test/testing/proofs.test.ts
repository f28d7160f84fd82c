import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run as respect, type RespectOptions } from '@redocly/respect-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatReport, runContract } from '../../src/contract/run.js';
import { packageRoot } from '../../src/paths.js';
import { createInProcessApi, type InProcessApi } from '../../src/testing/index.js';

// The in-process API proved by the kit's two external checks, through its fetch (no socket).
const BASE = 'http://api.test';
let api: InProcessApi;
beforeEach(async () => {
  api = await createInProcessApi({ seed: false });
});
afterEach(() => api.close());

describe('the contract suite through the in-process fetch', () => {
  it('passes every case, stateful ones included, and leaves nothing behind', async () => {
    const results = await runContract({ baseUrl: BASE, token: 'test-token', fetch: api.fetch });
    expect(results.filter((r) => r.outcome !== 'passed'), formatReport(results, 'in-process')).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(12);
    const left = await api.fetch(`${BASE}/v1/oauth-apps`, { headers: { authorization: 'Bearer test-token' } });
    expect(((await left.json()) as { data: unknown[] }).data).toEqual([]);
  });
});

describe('the Arazzo workflow through the in-process fetch (@redocly/respect-core, the engine of `redocly respect`)', () => {
  // Respect's run() takes the fetch it sends every step with: the same workflow file and the
  // same per-step checks (status, content type, schema) as `redocly respect` on the CLI.
  const workflow = join(packageRoot, 'arazzo', 'oauth-apps.arazzo.yaml');
  // Respect wants a Config made by its own @redocly/openapi-core (not the one openapi-typescript brings).
  const ownOpenapiCore = (): Promise<{ createConfig(options: object): Promise<RespectOptions['config']> }> =>
    import(pathToFileURL(createRequire(import.meta.resolve('@redocly/respect-core')).resolve('@redocly/openapi-core')).href);

  async function runWorkflow(token: string, fetch: typeof globalThis.fetch) {
    const out: string[] = [];
    const logger = { info: (m: string) => void out.push(m), warn: (m: string) => void out.push(m), error: (m: string) => void out.push(m), output: (m: string) => void out.push(m), printNewLine: () => void out.push('\n'), printSeparator: (s: string) => void out.push(s), indent: (s: string, n: number) => ' '.repeat(n) + s };
    const [result] = await respect({
      files: [workflow],
      server: [`oauthApps=${BASE}`],
      input: [`token=${token}`, 'client_id=arazzo-in-process'],
      config: await (await ownOpenapiCore()).createConfig({}),
      maxSteps: 100,
      maxFetchTimeout: 30_000,
      requestFileLoader: { getFileBody: () => Promise.reject(new Error('no files in this workflow')) },
      logger,
      fetch,
    });
    return { result: result!, out: out.join('').replace(/\x1b\[[0-9;]*m/g, '') };
  }

  it('passes every step, with status, content type and schema checked per step', async () => {
    const seen: string[] = [];
    const recording: typeof fetch = (input, init) => {
      seen.push(`${init?.method ?? 'GET'} ${String(input)}`);
      return api.fetch(input, init);
    };
    const { result, out } = await runWorkflow('test-token', recording);
    expect(out).toMatch(/Steps: 6 passed, 6 total/);
    expect(out).toMatch(/schema check/);
    expect(result.hasProblems, out).toBe(false);
    expect(seen).toHaveLength(6); // every step went through the in-process fetch
    const left = await api.fetch(`${BASE}/v1/oauth-apps`, { headers: { authorization: 'Bearer test-token' } });
    expect(((await left.json()) as { data: unknown[] }).data).toEqual([]); // it cleaned up
  });

  it('fails when the API refuses it (the check can fail)', async () => {
    const { result, out } = await runWorkflow('wrong-token', api.fetch);
    expect(result.hasProblems).toBe(true);
    expect(out).toMatch(/1 failed/);
  });
});
