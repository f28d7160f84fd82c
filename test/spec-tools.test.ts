import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSeedFile, loadSeedFile } from '../src/sandbox/seed.js';
import { serve, type RunningServer } from '../src/app/serve.js';
import { createLogger } from '../src/http/logger.js';
import { bundledSpecJson, packageRoot } from '../src/paths.js';
import { escapePointer as esc, loadSpec, resolvePointer } from '../src/spec/index.js';
import { operationsById } from '../src/spec/operations.js';
import { dropTestSchemas, freshDatabaseUrl, onPostgres } from './helpers/database.js';

const TOKEN = 'spec-tools-token';
const spec = loadSpec();
const at = (pointer: string) => resolvePointer(spec, pointer);
const deref = <T = any>(node: any): T => (node?.$ref ? at(node.$ref) : node);

// Independent of the store: the sqlite project runs it.
describe.skipIf(onPostgres)('the bundled spec as other tools see it (npm run lint)', () => {
  it('the schema validator and Spectral both refuse allowReserved beside content (the check can fail)', { timeout: 120_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'spec-tools-'));
    try {
      const broken = JSON.parse(readFileSync(bundledSpecJson, 'utf8'));
      broken.components.parameters.MetadataFilter.allowReserved = true;
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(broken));
      const run = spawnSync(process.execPath, ['scripts/validate-specs.mjs', file], { cwd: packageRoot, encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('"unevaluatedProperty": "allowReserved"'); // @seriousme/openapi-schema-validator
      expect(run.stdout).toMatch(/error\s+oas3-schema\s+"MetadataFilter" property must not have unevaluated properties/); // Spectral
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the spec against a freshly seeded reference server', () => {
  let server: RunningServer;
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = freshDatabaseUrl();
    server = await serve({
      port: 0,
      host: '127.0.0.1',
      token: TOKEN,
      databaseUrl,
      validateResponses: true, // a response off the contract becomes a 500 naming it
      logger: createLogger({ level: 'silent', destination: { write: () => undefined } }),
      seed: await loadSeedFile(defaultSeedFile),
    });
  });
  afterAll(async () => {
    await server?.close();
    await dropTestSchemas(databaseUrl);
  });

  it('accepts the metadata filter unencoded, as typed, though the spec no longer says allowReserved', async () => {
    // node:http sends the target as given: quotes, braces and the colon all unencoded.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/v1/oauth-apps?metadata={"custom_property":42}`, { headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject).end();
    });
    expect(status).toBe(200);
    expect(deref(at('#/components/parameters/MetadataFilter')).allowReserved).toBeUndefined();
  });

  // Every named request example, as a client copying it from the docs would send it: path
  // and query values from the parameters' examples, each named body example in turn. Each
  // starts from the seed (sandbox reset) and must get the operation's documented success.
  const requests: { name: string; method: string; path: string; query: string; body?: unknown; expected: number }[] = [];
  for (const op of operationsById(spec).values()) {
    const node = at(`#/paths/${esc(op.template)}/${op.method.toLowerCase()}`);
    const params = [...(spec.paths[op.template]!.parameters as unknown[] ?? []), ...(node.parameters ?? [])].map((p) => deref(p));
    let path = op.template;
    const query = new URLSearchParams();
    for (const p of params) {
      const media = p.content?.['application/json'];
      // The first named example, as the code samples take it (docs/code-samples.mjs).
      const example = p.example ?? media?.example ?? (media?.examples ? deref(Object.values<any>(media.examples)[0]).value : undefined);
      if (example === undefined) throw new Error(`${op.operationId}: parameter ${p.name} has no example`);
      const text = p.content ? JSON.stringify(example) : String(example);
      if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(text));
      else if (p.in === 'query') query.set(p.name, text);
    }
    const expected = Number(op.statuses.find((s) => /^2\d\d$/.test(s)));
    const bodyExamples = Object.entries<any>(deref(node.requestBody)?.content?.['application/json']?.examples ?? {});
    if (bodyExamples.length === 0) requests.push({ name: `${op.operationId} (parameter examples)`, method: op.method, path, query: query.toString(), expected });
    for (const [name, ex] of bodyExamples) {
      requests.push({ name: `${op.operationId} ${name}`, method: op.method, path, query: query.toString(), body: deref(ex).value, expected });
    }
  }

  it('replays every request example of the spec (all five operations, both named bodies)', () => {
    expect(new Set(requests.map((r) => r.name.split(' ')[0])).size).toBe(5);
    expect(requests.filter((r) => r.body !== undefined).map((r) => r.name).sort()).toEqual(['createOauthApp CreateOauthAppRequest', 'updateOauthApp UpdateOauthAppRequest']);
  });

  it.each(requests)('$name answers $expected', async ({ method, path, query, body, expected }) => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${server.url}/__sandbox/reset`, { method: 'POST', headers: auth })).status).toBe(200);
    const res = await fetch(`${server.url}${path}${query ? `?${query}` : ''}`, {
      method,
      headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBe(expected);
    if (body && typeof body === 'object' && 'name' in body) expect(((await res.json()) as { name: string }).name).toBe((body as { name: string }).name);
  });

  it('no create example repeats a seeded provider + client_id', async () => {
    const seed = await loadSeedFile(defaultSeedFile);
    const taken = new Set(seed.map((a) => `${a.provider} ${a.client_id}`));
    for (const r of requests.filter((x) => x.method === 'POST')) {
      const b = r.body as { provider: string; client_id: string };
      expect(taken.has(`${b.provider} ${b.client_id}`), `${r.name} collides with the seed`).toBe(false);
    }
  });
});
