import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createNamespace, type SandboxNamespace } from 'oauth-apps-api-client/sandbox';
import { createConformanceChecker } from '../../src/contract/conformance.js';
import { fetchArgs, requestArbitrary, type FuzzRequest } from '../../src/fuzz/requests.js';
import { loadSpec } from '../../src/spec/index.js';
import { operationsById } from '../../src/spec/operations.js';
import { dropTestSchemas } from '../helpers/database.js';
import { startServer, TOKEN, type TestServer } from '../helpers/server.js';

// Isolation as a property: two namespaces on one server are driven at once by the fuzzer's
// generated request sequences (valid, invalid and unauthenticated requests of every
// operation). Whatever the sequences, no response to one namespace ever contains an id, a
// name or a client_id of the other; the other's ids are 404 to GET / PATCH / DELETE; and a
// reset of one leaves the other exactly as it was.
const spec = loadSpec();
const operations = operationsById(spec);
const conforms = createConformanceChecker(spec);
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  await dropTestSchemas();
});

/** What one namespace has created, as its own responses told it, and every response it got. */
class Side {
  ids: string[] = [];
  deleted = new Set<string>();
  /** Ids, names and client_ids this side created: none may appear in the other side's responses. */
  marks = new Set<string>();
  texts: string[] = [];
  requests = 0;
  private made = 0;

  constructor(
    readonly label: string,
    readonly ns: SandboxNamespace,
  ) {}

  get live() {
    return this.ids.filter((id) => !this.deleted.has(id));
  }

  /** Valid create / update bodies get a side-unique prefix on name and client_id, so a leak cannot pass for a coincidence. */
  tag(r: FuzzRequest): FuzzRequest {
    if (r.expect !== 'valid' || !r.body) return r;
    const body = JSON.parse(r.body) as Record<string, unknown>;
    const prefix = `${this.label}${++this.made}~`;
    for (const field of ['name', 'client_id'] as const) {
      if (typeof body[field] === 'string') body[field] = `${prefix}${body[field] as string}`.slice(0, 255);
    }
    return { ...r, body: JSON.stringify(body) };
  }

  async send(method: string, path: string, r: Partial<FuzzRequest>) {
    const res = await fetch(...fetchArgs(r, { method, template: path }, undefined, { baseUrl: server.url, token: this.ns.token }));
    const text = await res.text();
    this.requests += 1;
    // A 404 names the id it was asked for: an echo of the caller's own input, not a leak.
    const asked = /\/oauth-apps\/([^/?]+)/.exec(path)?.[1];
    this.texts.push(asked ? text.replaceAll(asked, '<the id asked for>') : text);
    return { status: res.status, text, contentType: res.headers.get('content-type') };
  }
}

/** Sends one generated request as `side`; `other` lends its ids to the targets that are not the side's own. */
async function drive(side: Side, other: Side, generated: FuzzRequest) {
  const r = side.tag(generated);
  const { method, template } = operations.get(r.operationId)!;
  let id: string | undefined;
  let ownTarget = false;
  if (r.target && 'known' in r.target && side.live.length) {
    id = side.live[r.target.known % side.live.length];
    ownTarget = true;
  } else if (r.target && 'uuid' in r.target) {
    // Half of the foreign targets are the other namespace's real ids.
    id = other.live.length && parseInt(r.target.uuid[0]!, 16) < 8 ? other.live[parseInt(r.target.uuid[1]!, 16) % other.live.length] : r.target.uuid;
  } else if (r.target) {
    id = 'raw' in r.target ? encodeURIComponent(r.target.raw) : '00000000-0000-4000-8000-000000000000';
  }
  const res = await side.send(method, template.replace('{id}', id ?? ''), r);
  const where = `${side.label} ${r.operationId} (${r.expect}${r.broke ? `: ${r.broke}` : ''}) → ${res.status}`;
  expect(res.status, where).toBeLessThan(500);
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(res.text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  expect(conforms({ method, path: template, status: res.status, contentType: res.contentType, body }), where).toEqual([]);
  if (r.expect === 'auth') expect(res.status, where).toBe(401);
  if (r.expect === 'invalid') expect(res.status >= 400 && res.status < 500, where).toBe(true);
  if (r.expect !== 'valid') return;
  if (r.target && !ownTarget && !('raw' in r.target)) expect(res.status, `${where}: a foreign id must be 404`).toBe(404);
  if (ownTarget) expect(res.status, where).toBe(200);
  if (r.operationId === 'createOauthApp') {
    expect([200, 422], where).toContain(res.status);
    if (res.status === 200) {
      side.ids.push(body!.id as string);
      for (const k of ['id', 'name', 'client_id']) side.marks.add(body![k] as string);
    }
  }
  if (ownTarget && r.operationId === 'updateOauthApp') side.marks.add(body!.name as string);
  if (ownTarget && r.operationId === 'deleteOauthApp') side.deleted.add(id!);
}

/** A side's whole list, secrets revealed (so a leaked secret-bearing app would show too). */
const listOf = async (side: Side) => {
  const res = await side.send('GET', '/v1/oauth-apps', { query: [['truncate_secrets', 'false']] });
  expect(res.status).toBe(200);
  return (JSON.parse(res.text) as { data: { id: string }[] }).data;
};

it('two namespaces driven at once by generated sequences never see each other', { timeout: 600_000 }, async () => {
  const [a, b] = await Promise.all(['A', 'B'].map(async (label) => new Side(label, await createNamespace({ baseUrl: server.url, token: TOKEN, seed: false }))));
  const sides = [a!, b!] as const;
  const sequence = fc.array(requestArbitrary(spec), { minLength: 1, maxLength: 20 });
  const started = performance.now();
  let runs = 0;

  await fc.assert(
    fc.asyncProperty(sequence, sequence, async (forA, forB) => {
      runs += 1;
      const [x, y] = sides;
      // Both sequences at once, each in order.
      await Promise.all([
        (async () => {
          for (const r of forA) await drive(x, y, r);
        })(),
        (async () => {
          for (const r of forB) await drive(y, x, r);
        })(),
      ]);
      // Each side's live apps are invisible, untouchable and undeletable from the other.
      for (const [me, them] of [sides, [y, x] as const]) {
        for (const id of them.live.slice(-3)) {
          for (const method of ['GET', 'PATCH', 'DELETE']) {
            const res = await me.send(method, `/v1/oauth-apps/${id}`, method === 'PATCH' ? { body: '{"name":"stolen"}', contentType: 'application/json' } : {});
            expect(res.status, `${me.label} ${method} of ${them.label}'s app`).toBe(404);
          }
        }
        expect((await listOf(me)).map((app) => app.id).sort()).toEqual([...me.live].sort());
      }
      // A reset of one leaves the other exactly as it was.
      const reset = runs % 2 ? x : y;
      const other = reset === x ? y : x;
      const before = await listOf(other);
      expect(JSON.parse((await reset.send('POST', '/__sandbox/reset', {})).text)).toEqual({ apps: 0 });
      reset.deleted = new Set(reset.ids);
      expect(await listOf(reset)).toEqual([]);
      expect(await listOf(other)).toEqual(before);
    }),
    { numRuns: 40 },
  );

  // No response to one side ever carried an id, name or client_id of the other.
  for (const [me, them] of [sides, [b!, a!] as const]) {
    const seen = me.texts.join('\n');
    const leaked = [...them.marks].filter((mark) => seen.includes(mark));
    expect(leaked, `${me.label} saw ${them.label}'s data`).toEqual([]);
  }
  expect(a!.marks.size + b!.marks.size).toBeGreaterThan(50);
  const requests = a!.requests + b!.requests;
  console.log(`isolation: ${runs} runs, ${requests} requests (A ${a!.requests}, B ${b!.requests}), ${a!.ids.length + b!.ids.length} apps created, ${Math.round(performance.now() - started)} ms`);
});
