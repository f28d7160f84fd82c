// The try-it console (/docs/try) as a reader meets it: real headless Chromium with every other
// host refused, at a desktop and a phone width, on a sandbox started with public namespaces.
// Every operation of both APIs is sent with the examples the page preloads and must get the
// status they document; every `Prefer` the page offers gets the answer it names. Screenshots
// land in build/docs-screenshots/ for a person to look at.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsDir, packageRoot } from '../../src/paths.js';
import { defaultSeedFile, loadSeedFile } from '../../src/sandbox/seed.js';
import { launchBrowser, offlinePage, type OfflinePage } from '../helpers/browser.js';
import { documentedApis, type DocumentedOperation } from '../helpers/docs.js';
import { docsCreateBody, startServer, TOKEN, type TestServer } from '../helpers/server.js';

const screenshots = join(packageRoot, 'build', 'docs-screenshots');
const apis = documentedApis();
const operations = apis.flatMap((api) => api.operations);
const byId = (id: string) => operations.find((op) => op.operationId === id)!;
const seed = await loadSeedFile(defaultSeedFile);
const viewports = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
];

/**
 * The order a reader would click through, and what the preloaded examples get in a reader's
 * namespace: the operation's success, except namespace management, which a namespace token
 * may not do (the documented 403). IDs without an example are typed in from an earlier answer.
 */
const walk: { id: string; status?: number; fill?: Record<string, () => string | Promise<string>> }[] = [
  { id: 'listOauthApps' },
  { id: 'createOauthApp' },
  { id: 'getOauthApp' },
  { id: 'updateOauthApp' },
  { id: 'deleteOauthApp' },
  // The journal, before a reset clears it: it holds the calls above.
  { id: 'listRequests' },
  { id: 'getRequest', fill: { request_id: () => journalEntryId() } },
  { id: 'getCoverage' },
  { id: 'clearRequests' },
  { id: 'resetSandbox' },
  { id: 'replaceSeed' },
  { id: 'setOauthAppHealth' },
  { id: 'createFault' },
  { id: 'listFaults' },
  { id: 'deleteFault', fill: { fault_id: () => bodies.createFault.id } },
  { id: 'clearFaults' },
  { id: 'createNamespace', status: 403 },
  { id: 'listNamespaces', status: 403 },
  { id: 'deleteNamespace', status: 403, fill: { namespace_id: () => currentNamespace } },
];
/** The tab the walk runs in, and the ID of an entry of its namespace's journal (what a reader copies from the list). */
let walking: Page;
async function journalEntryId(): Promise<string> {
  const token = await walking.evaluate(() => JSON.parse(sessionStorage.getItem('oauth-apps-console')!).token as string);
  const entries = async () => ((await (await fetch(`${server.url}/__sandbox/requests?limit=1`, { headers: { authorization: `Bearer ${token}` } })).json()) as { data: { id: number }[] }).data;
  await poll(async () => (await entries()).length, 'journal entries of the calls sent').toBeGreaterThan(0); // written in batches
  return String((await entries())[0]!.id);
}
/** The last body each operation got, for the IDs a reader copies from one answer into the next request. */
const bodies: Record<string, any> = {};
let currentNamespace = '';

let browser: Browser;
let server: TestServer; // a sandbox with public namespaces
let tokenOnly: TestServer; // one without: the reader pastes the server's token
beforeAll(async () => {
  [browser, server, tokenOnly] = await Promise.all([
    launchBrowser(),
    startServer({ seed, config: { publicNamespaces: { perClient: 20, max: 20 } } }),
    startServer({ seed }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([server?.close(), tokenOnly?.close()]);
});

// The page does not depend on the store: checked once, in the SQLite run of the suite.
describe.skipIf(process.env.TEST_STORE === 'postgres')('the console, /docs/try', () => {
  it('covers every operation of both APIs', () => {
    expect(walk.map((w) => w.id).sort()).toEqual(operations.map((op) => op.operationId).sort());
  });

  it.each(viewports)('at $width×$height: every operation sent with its examples gets its documented status; Prefer steers; nothing overflows or calls another host', { timeout: 300_000 }, async (viewport) => {
    const reader = await offlinePage(browser, [server.url], viewport);
    const { page: tab } = reader;
    const shot = (what: string) => tab.screenshot({ path: join(screenshots, `console-${viewport.width}-${what}.png`) });
    const asked = new Set<number>(); // error statuses the test asks for (Chromium logs each as a console error)
    try {
      currentNamespace = await open(tab, `${server.url}/docs/try`);
      await expectNoOverflow(tab);
      await shot('top');

      // Each operation is there.
      for (const op of operations) await poll(() => block(tab, op).count()).toBe(1);

      // Prefer: each choice the page offers answers what it says. On the desktop every choice of
      // getOauthApp (each documented status, each named example) and the 404, 422 and 429 of
      // the other contract operations; on the phone, the 429 a reader tries first. (Each send
      // re-renders Swagger UI, about a second on a loaded machine: not every choice everywhere.)
      const everyChoice = viewport.width > 600 ? 'getOauthApp' : undefined;
      for (const op of operations.filter((o) => o.api === 'main')) {
        const opened = await expand(tab, op);
        const choices = await preferChoices(opened);
        const tried = op.operationId === everyChoice ? choices : choices.filter((c) => (viewport.width > 600 ? ['code=404', 'code=422', 'code=429'] : ['code=429']).includes(c.value));
        expect(tried.length, `${op.operationId}: Prefer choices`).toBeGreaterThan(0);
        for (const choice of tried) {
          if (choice.value === '') continue; // the real answer: sent below
          const status = choice.value.startsWith('delay=') ? op.successStatus : expectedFor(op, choice.value); // a delay: the real answer, late
          if (status >= 400) asked.add(status);
          await opened.locator('tr[data-param-name="Prefer"] select').selectOption(choice.key);
          await poll(() => opened.locator('tr[data-param-name="Prefer"] input').inputValue()).toBe(choice.value);
          expect(await execute(tab, opened), `${op.operationId} with Prefer: ${choice.value}`).toBe(status);
        }
        await opened.locator('tr[data-param-name="Prefer"] select').selectOption('real');
        await collapse(opened);
      }
      const steered = await expand(tab, byId('getOauthApp'));
      await steered.locator('tr[data-param-name="Prefer"] select').selectOption('code429');
      expect(await execute(tab, steered)).toBe(429);
      await poll(() => steered.locator('.live-responses-table .response .response-col_description').textContent()).toContain('Too many requests');
      await steered.locator('.live-responses-table').scrollIntoViewIfNeeded();
      await expectNoOverflow(tab);
      await shot('prefer-429');
      await steered.locator('tr[data-param-name="Prefer"] select').selectOption('real');
      await collapse(steered);

      // The reset button: back to the seed (the steered calls changed nothing, but prove it).
      await tab.locator('#reset').click();
      await poll(() => tab.locator('#namespace-status').textContent()).toBe(`Back to the seed: ${seed.length} apps, no faults.`);

      // Every operation, with what the page preloads, in a reader's order.
      for (const step of walk) {
        const op = byId(step.id);
        const opened = await expand(tab, op);
        await expectPreloaded(opened, op);
        // Its link back to the reference (Redoc's route of the operation).
        const reference = `${op.api === 'main' ? 'index' : 'sandbox'}.html#/${slug(op.tags[0]!)}/${op.operationId.toLowerCase()}`;
        expect(await opened.locator('a', { hasText: 'Read in the reference' }).getAttribute('href')).toBe(reference);
        walking = tab;
        for (const [name, value] of Object.entries(step.fill ?? {})) await opened.locator(`tr[data-param-name="${name}"] input`).fill(await value());
        const status = step.status ?? op.successStatus;
        if (status >= 400) asked.add(status);
        expect(await execute(tab, opened), op.operationId).toBe(status);
        const body = (bodies[op.operationId] = JSON.parse((await opened.locator('.live-responses-table .response .response-col_description pre').first().textContent())!));
        if (op.operationId === 'getOauthApp') expect(body.name).toBe(seed[0]!.name); // the real answer, from this namespace
        // The list's preloaded filters (provider, metadata) are the samples' own: the seed's first app matches them.
        if (op.operationId === 'listOauthApps') expect(body.data.map((a: { id: string }) => a.id)).toContain(seed[0]!.id);
        if (op.operationId === 'createOauthApp') {
          await opened.locator('.live-responses-table').scrollIntoViewIfNeeded();
          await expectNoOverflow(tab);
          await shot('created');
        }
        await expectNoOverflow(tab);
        await collapse(opened);
      }

      // Nothing the reader did reached the server's own data (the default namespace).
      const ownApps = (await (await server.raw('/v1/oauth-apps')).json()) as { data: { id: string }[] };
      expect(ownApps.data.map((a) => a.id)).toEqual(seed.map((a) => a.id));
      expectClean(reader, asked);
    } finally {
      await reader.context.close();
    }
  });

  it('two readers get two namespaces that do not see each other’s apps', { timeout: 120_000 }, async () => {
    const readers = await Promise.all([0, 1].map(() => offlinePage(browser, [server.url], viewports[0])));
    try {
      const ids = await Promise.all(readers.map((r) => open(r.page, `${server.url}/docs/try#/OAuth%20apps/createOauthApp`)));
      expect(ids[0]).not.toBe(ids[1]);
      const [a, b] = readers.map((r) => r.page);
      // A creates an app (its example), B lists: not there; A lists: there.
      const create = await expand(a!, byId('createOauthApp'));
      expect(await execute(a!, create)).toBe(200);
      const created = JSON.parse((await create.locator('.live-responses-table .response .response-col_description pre').first().textContent())!) as { id: string };
      const listed = async (tab: Page) => {
        const list = await expand(tab, byId('listOauthApps'));
        expect(await execute(tab, list)).toBe(200);
        const body = JSON.parse((await list.locator('.live-responses-table .response .response-col_description pre').first().textContent())!) as { data: { id: string }[] };
        return body.data.map((app) => app.id);
      };
      expect(await listed(a!)).toContain(created.id);
      expect(await listed(b!)).not.toContain(created.id);
      // B asks for A's app by ID: a 404, as for an ID that never existed.
      const get = await expand(b!, byId('getOauthApp'));
      await get.locator('tr[data-param-name="id"] input').fill(created.id);
      expect(await execute(b!, get)).toBe(404);
      // What each saw last: A its list with its app, B the 404 for A's app.
      for (const [i, [tab, op]] of ([[a!, 'listOauthApps'], [b!, 'getOauthApp']] as const).entries()) {
        await block(tab, byId(op)).locator('.live-responses-table').scrollIntoViewIfNeeded();
        await tab.screenshot({ path: join(screenshots, `console-reader-${i + 1}.png`) });
      }
      expectClean(readers[0]!, new Set());
      expectClean(readers[1]!, new Set([404]));
    } finally {
      await Promise.all(readers.map((r) => r.context.close()));
    }
  });

  it('without public namespaces, the server token pasted once gives a namespace (not the server’s data)', { timeout: 120_000 }, async () => {
    const reader = await offlinePage(browser, [tokenOnly.url], viewports[1]);
    const created = (await (await tokenOnly.raw('/v1/oauth-apps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...docsCreateBody, client_id: 'server-data-only' }) })).json()) as { id: string };
    try {
      await reader.page.goto(`${tokenOnly.url}/docs/try`);
      await poll(() => reader.page.locator('#namespace-status').textContent()).toContain('Paste the server’s token');
      await reader.page.locator('#server-token').fill(TOKEN);
      await reader.page.getByRole('button', { name: 'Use' }).click();
      await poll(() => reader.page.locator('#namespace-status').textContent()).toContain('Your namespace');
      await reader.page.screenshot({ path: join(screenshots, 'console-390-token-pasted.png') });
      const list = await expand(reader.page, byId('listOauthApps'));
      expect(await execute(reader.page, list)).toBe(200);
      const body = JSON.parse((await list.locator('.live-responses-table .response .response-col_description pre').first().textContent())!) as { data: { id: string }[] };
      expect(body.data.map((app) => app.id)).not.toContain(created.id);
      expect(await reader.page.evaluate(() => document.body.innerText)).not.toContain(TOKEN); // kept nowhere on the page
      // The probe for a public namespace was refused, as this server documents (401).
      expectClean(reader, new Set([401]));
    } finally {
      await reader.context.close();
    }
  });

  it('opened as a file: every operation shown, the reader told to open it on a server, no other host', { timeout: 60_000 }, async () => {
    const reader = await offlinePage(browser, ['file://'], viewports[0]);
    try {
      await reader.page.goto(`${pathToFileURL(join(docsDir, 'try.html')).href}#/Sandbox/resetSandbox`);
      await poll(() => reader.page.locator('#namespace-status').textContent()).toContain('Opened as a file');
      for (const op of operations) await poll(() => block(reader.page, op).count()).toBe(1);
      // The deep link opened its operation.
      await poll(() => block(reader.page, byId('resetSandbox')).getAttribute('class')).toMatch(/is-open/);
      expectClean(reader, new Set());
    } finally {
      await reader.context.close();
    }
  });

  it('every operation of both Redoc pages links to it in the console', () => {
    for (const api of apis) {
      const html = readFileSync(join(docsDir, api.name === 'main' ? 'index.html' : 'sandbox.html'), 'utf8');
      for (const op of api.operations) expect(html, op.operationId).toContain(`try.html#/${encodeURIComponent(op.tags[0]!)}/${op.operationId}`);
    }
  });
});

/** Rendering is slow on a loaded CI machine: wait for it, up to a limit. */
const poll = <T>(read: () => Promise<T> | T, message?: string) => expect.poll(read, { timeout: 20_000, message });

/** Swagger UI's block of an operation (its id: `operations-<tag, spaces as _>-<operationId>`). */
const block = (tab: Page, op: DocumentedOperation) => tab.locator(`[id="operations-${op.tags[0]!.replace(/\s/g, '_')}-${op.operationId}"]`);

/** Loads the console and waits for both APIs and the reader's namespace; returns its ID ('' from a file). */
async function open(tab: Page, url: string): Promise<string> {
  await tab.goto(url);
  for (const op of [operations[0]!, operations.at(-1)!]) await block(tab, op).waitFor();
  await poll(() => tab.locator('#namespace-status').textContent()).toContain('Your namespace');
  return (await tab.locator('#namespace-status').getAttribute('data-namespace'))!;
}

async function expand(tab: Page, op: DocumentedOperation): Promise<Locator> {
  const opened = block(tab, op);
  if (!(await opened.evaluate((el) => el.classList.contains('is-open')))) await opened.locator('.opblock-summary-control').click();
  await opened.locator('.btn.execute').waitFor();
  return opened;
}

/**
 * Closes an operation again, as a reader moving on would: Swagger UI re-renders every open
 * operation on each change, so a page with all of them open gets slower with every send.
 */
async function collapse(opened: Locator) {
  await opened.locator('.opblock-summary-control').click();
  await poll(() => opened.evaluate((el) => el.classList.contains('is-open'))).toBe(false);
}

/** Clicks Execute and answers the status the page shows for the server's response. */
async function execute(tab: Page, opened: Locator): Promise<number> {
  const clear = opened.locator('.btn-clear');
  if (await clear.count()) await clear.click(); // so the status read is the new answer's
  await opened.locator('.btn.execute').click();
  const status = opened.locator('.live-responses-table .response .response-col_status');
  await status.first().waitFor({ timeout: 20_000 });
  return Number((await status.first().textContent())!.trim());
}

async function preferChoices(opened: Locator) {
  await opened.locator('tr[data-param-name="Prefer"] select option').first().waitFor({ state: 'attached' }); // rendered after the Execute button
  const keys = await opened.locator('tr[data-param-name="Prefer"] select option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
  return keys.map((key) => ({ key, value: preferValue(key) }));
}

/** The Prefer value of a choice of the page's menu (its key: `code429`, `example-<name>`, `real`, `delay`). */
function preferValue(key: string): string {
  if (key === 'real') return '';
  if (key === 'delay') return 'delay=800';
  if (key.startsWith('code')) return `code=${key.slice(4)}`;
  return `example=${key.slice('example-'.length)}`;
}

/** What the spec says a steered call answers: the code asked for, or the status holding the named example. */
function expectedFor(op: DocumentedOperation, prefer: string): number {
  const code = /^code=(\d+)$/.exec(prefer);
  if (code) return Number(code[1]);
  const name = prefer.slice('example='.length);
  const spec = apis.find((api) => api.name === op.api)!.spec;
  const responses = spec.paths[op.path][op.method].responses as Record<string, any>;
  for (const [status, response] of Object.entries(responses)) {
    const resolved = response.$ref ? pointer(spec, response.$ref) : response;
    if (resolved.content?.['application/json']?.examples?.[name]) return Number(status);
  }
  throw new Error(`${op.operationId}: no response holds the example ${name}`);
}

/** The request body and path IDs the page preloads are the ones the code samples use. */
async function expectPreloaded(opened: Locator, op: DocumentedOperation) {
  const spec = apis.find((api) => api.name === op.api)!.spec;
  const operation = spec.paths[op.path][op.method];
  const media = operation.requestBody?.content?.['application/json'];
  if (media?.examples) {
    const first = Object.values<any>(media.examples)[0];
    const example = first.$ref ? pointer(spec, first.$ref) : first;
    expect(JSON.parse(await opened.locator('.body-param textarea').inputValue()), `${op.operationId} body`).toEqual(example.value);
  }
  const curl = op.samples.find((s) => s.label === 'curl')?.source ?? '';
  for (const p of op.pathParams.filter((x) => x.hasExample)) {
    const value = await opened.locator(`tr[data-param-name="${p.name}"] input`).inputValue();
    expect(curl, `${op.operationId} ${p.name}`).toContain(value);
  }
}

async function expectNoOverflow(tab: Page) {
  const [scrollWidth, innerWidth] = await tab.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(scrollWidth, 'page wider than the viewport').toBeLessThanOrEqual(innerWidth!);
}

/** No other host asked, and no console error but Chromium's line for each error status the test asked for. */
function expectClean(reader: OfflinePage, asked: Set<number>) {
  expect(reader.refused, 'requests to other hosts').toEqual([]);
  const unexpected = reader.errors.filter((e) => {
    const status = /^Failed to load resource: the server responded with a status of (\d+)/.exec(e);
    return !status || !asked.has(Number(status[1]));
  });
  expect(unexpected, 'console errors').toEqual([]);
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

function pointer(root: unknown, ref: string): any {
  return ref.slice(2).split('/').reduce((node: any, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], root);
}
