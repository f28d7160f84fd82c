// Samples that cannot lie: every code sample the docs show (x-codeSamples, generated from the
// spec's named examples by docs/code-samples.mjs) is run the way a reader runs it, against a
// freshly seeded reference server: the base URL swapped for the server's, the token in
// API_TOKEN. Each curl sample goes through the real `curl`; each TypeScript sample is
// type-checked with tsc against the package's published types, then run with tsx. Each must
// get the status its operation documents for success.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { defaultSeedFile, loadSeedFile } from '../../src/sandbox/seed.js';
import { documentedApis, type DocumentedApi, type DocumentedOperation } from '../helpers/docs.js';
import { startServer, TOKEN, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const apis = documentedApis();
const operations = apis.flatMap((api) => api.operations.map((op) => ({ api, op })));
// Inside the package, so that `import … from 'oauth-apps-api'` resolves through its exports
// map to the built client and its declarations, as in a project that installed it.
const workDir = join(packageRoot, 'build', 'docs-samples', `${process.env.TEST_STORE ?? 'sqlite'}-${process.pid}`);
const executed = { curl: 0, typescript: 0 };

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ seed: await loadSeedFile(defaultSeedFile) });
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  // curl reads this like a reader's ~/.curlrc: it only adds the status line the test reads.
  writeFileSync(join(workDir, '.curlrc'), 'silent\nshow-error\nwrite-out = "\\nSTATUS %{http_code}\\n"\n');
  // Preloaded before a TypeScript sample: records the status of every response it receives.
  writeFileSync(join(workDir, 'record-status.mjs'), "import { appendFileSync } from 'node:fs';\nconst fetch0 = globalThis.fetch;\nglobalThis.fetch = async (...args) => { const res = await fetch0(...args); appendFileSync(process.env.SAMPLE_STATUS_FILE, `${res.status}\\n`); return res; };\n");
});
afterAll(async () => {
  await server?.close();
  rmSync(workDir, { recursive: true, force: true });
  console.log(`docs samples executed: ${executed.curl} curl, ${executed.typescript} TypeScript (${operations.length} operations)`);
});
// A fresh seed for every sample: no sample depends on what another one did.
beforeEach(async () => {
  const res = await server.raw('/__sandbox/reset', { method: 'POST' });
  expect(res.status).toBe(200);
});

it('every operation of every documented API has a curl and a TypeScript sample', () => {
  expect(apis.map((a) => a.name)).toEqual(['main', 'sandbox']);
  for (const { op } of operations) expect(op.samples.map((s) => s.label), op.operationId).toEqual(['curl', 'TypeScript']);
});

it('every TypeScript sample, as published, type-checks against the package (strict tsc)', async () => {
  const files = operations.map(({ api, op }) => {
    const file = `${api.name}-${op.operationId}.published.ts`;
    writeFileSync(join(workDir, file), op.samples.find((s) => s.label === 'TypeScript')!.source);
    return file;
  });
  const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023', 'DOM'], types: ['node'], strict: true, noEmit: true, skipLibCheck: true };
  writeFileSync(join(workDir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
  const checked = await run(join(packageRoot, 'node_modules', '.bin', 'tsc'), ['-p', join(workDir, 'tsconfig.json')]).then(
    () => '',
    (err: { stdout: string }) => err.stdout,
  );
  expect(checked).toBe('');
});

describe.each(operations.map(({ api, op }) => [`${api.name} ${op.operationId}`, api, op] as const))('%s', (_name, api, op) => {
  const sample = (label: string) => op.samples.find((s) => s.label === label)!;
  /** What a reader types before running the sample: the server's URL for the sample's, and the variables it names. */
  const asReaderRuns = (source: string) => source.replaceAll(api.sampleBaseUrl, server.url);

  it(`curl gets ${op.successStatus}`, async () => {
    const file = join(workDir, `${api.name}-${op.operationId}.sh`);
    writeFileSync(file, asReaderRuns(sample('curl').source));
    const { stdout } = await run('bash', [file], { env: { PATH: process.env.PATH, CURL_HOME: workDir, HOME: workDir, API_TOKEN: TOKEN, ...(await idsFor(api, op)) } });
    const [, body, status] = /^([\s\S]*)\nSTATUS (\d{3})\n$/.exec(stdout) ?? [];
    expect(Number(status), stdout).toBe(op.successStatus);
    expect(() => JSON.parse(body!), body).not.toThrow();
    executed.curl++;
  });

  it(`TypeScript gets ${op.successStatus}`, async () => {
    const script = join(workDir, `${api.name}-${op.operationId}.run.ts`);
    const statusFile = join(workDir, `${api.name}-${op.operationId}.statuses`);
    writeFileSync(script, asReaderRuns(sample('TypeScript').source));
    const env = { PATH: process.env.PATH, API_TOKEN: TOKEN, SAMPLE_STATUS_FILE: statusFile, ...(await idsFor(api, op)) };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(join(workDir, 'record-status.mjs')).href, script], { env, cwd: packageRoot });
    expect(readFileSync(statusFile, 'utf8').trim().split('\n').map(Number)).toEqual([op.successStatus]);
    expect(stdout.length).toBeGreaterThan(0); // it printed what it got
    executed.typescript++;
  });
});

/**
 * A path ID the spec gives no example for (a fault's) names a variable in the sample, which the
 * sample's comment says to take from the POST on the parent path: the test does the same,
 * with that operation's own named request example. A journal entry's id comes from the
 * journal's list (GET on the parent path), after a /v1 request that makes one.
 */
async function idsFor(api: DocumentedApi, op: DocumentedOperation): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const p of op.pathParams.filter((x) => !x.hasExample)) {
    const parent = op.path.slice(0, op.path.lastIndexOf('/'));
    const create = api.spec.paths[parent]?.post;
    if (!create && parent === '/__sandbox/requests') {
      expect((await server.raw('/v1/oauth-apps')).status).toBe(200);
      const { data } = (await (await server.raw(parent)).json()) as { data: { id: number }[] };
      ids[p.name.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()] = String(data[0]!.id);
      continue;
    }
    expect(create, `no POST ${parent} to create the ${p.name} of ${op.operationId}`).toBeDefined();
    const example = Object.values<{ value?: unknown; $ref?: string }>(create.requestBody?.content?.['application/json']?.examples ?? {})[0];
    const value = example?.$ref ? api.spec.components.examples[example.$ref.split('/').pop()!].value : example?.value;
    const res = await server.raw(parent, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value ?? {}) });
    expect(res.status, `POST ${parent}`).toBeLessThan(300);
    ids[p.name.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()] = ((await res.json()) as { id: string }).id;
  }
  return ids;
}
