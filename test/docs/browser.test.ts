// The docs as a reader meets them: real headless Chromium, the network cut to every host but
// the page's own, both pages, opened from the built files and from the server, at a desktop
// and a phone width. Screenshots land in build/docs-screenshots/ for a person to look at.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsDir, packageRoot } from '../../src/paths.js';
import { launchBrowser, offlinePage } from '../helpers/browser.js';
import { documentedApis, type DocumentedOperation } from '../helpers/docs.js';
import { startServer, type TestServer } from '../helpers/server.js';

const screenshots = join(packageRoot, 'build', 'docs-screenshots');
const apis = Object.fromEntries(documentedApis().map((api) => [api.name, api]));
const pages = [
  { name: 'api', api: 'main', file: 'index.html', path: '/docs', search: 'update', finds: 'updateOauthApp', deepLink: 'updateOauthApp', linksTo: 'sandbox.html' },
  { name: 'sandbox', api: 'sandbox', file: 'sandbox.html', path: '/docs/sandbox', search: 'reset', finds: 'resetSandbox', deepLink: 'setOauthAppHealth', linksTo: 'index.html' },
];
const viewports = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
];

let browser: Browser;
let server: TestServer;
beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startServer()]);
  mkdirSync(screenshots, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const sources = [
  { name: 'file', url: (page: (typeof pages)[number]) => pathToFileURL(join(docsDir, page.file)).href, allowed: () => ['file://'] },
  { name: 'server', url: (page: (typeof pages)[number]) => `${server.url}${page.path}`, allowed: () => [server.url] },
];

const cases = pages.flatMap((page) => sources.flatMap((source) => viewports.map((viewport) => [`${page.name} page from the ${source.name} at ${viewport.width}×${viewport.height}`, page, source, viewport] as const)));

// The pages do not depend on the store: they are checked once, in the SQLite run of the suite.
describe.skipIf(process.env.TEST_STORE === 'postgres').each(cases)('%s', (_title, page, source, viewport) => {
  const api = apis[page.api]!;
  const operation = (id: string) => api.operations.find((op) => op.operationId === id)!;

  it('works offline: every operation, search, deep links, code samples; no error, no other host, no overflow', { timeout: 180_000 }, async () => {
    const { context, page: tab, refused, errors } = await offlinePage(browser, source.allowed(), viewport);
    try {
      const url = source.url(page);
      await open(tab, url);
      const shot = (what: string) => tab.screenshot({ path: join(screenshots, `${page.name}-${source.name}-${viewport.width}-${what}.png`) });
      await expectNoOverflow(tab);
      if (viewport.width < 600) await expectMenuButtonClearOfText(tab);
      await expectNoWordBrokenInTitles(tab);
      await shot('top');

      // The guides' links to the other page and the spec downloads resolve next to the page.
      const hrefs = await tab.locator('#redoc a').evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href));
      const base = new URL('.', tab.url()).href;
      const downloads = ['yaml', 'json'].map((ext) => hrefs.find((h) => h.startsWith(base) && h.endsWith(`.${ext}`)));
      for (const target of [new URL(page.linksTo, base).href, ...downloads]) {
        expect(hrefs, 'a link to the other page and the two downloads').toContain(target);
        if (source.name === 'file') expect(existsSync(fileURLToPath(target!)), target).toBe(true);
        else expect((await fetch(target!)).status, target).toBe(200);
      }

      // Every operation is in the menu, and opens (its route is the deep link to it).
      for (const [tag, ops] of groupByTag(api.operations)) {
        await navigate(tab, `#/${slug(tag)}`);
        for (const op of ops) await poll(() => tab.locator('#redoc .menu-content a').filter({ hasText: op.summary }).count(), op.operationId).toBeGreaterThan(0);
        for (const op of ops) {
          await navigate(tab, `#/${slug(tag)}/${op.operationId}`);
          await expectOperationOpen(tab, op);
          await expectNoOverflow(tab);
        }
      }

      // Search finds the operation, and choosing the first result opens it.
      await open(tab, url);
      const found = tab.getByText(operation(page.finds).summary, { exact: true });
      const before = await found.count();
      await tab.keyboard.press('Control+k');
      await tab.getByPlaceholder('Search docs...').fill(page.search);
      await poll(() => found.count(), `search for "${page.search}"`).toBeGreaterThan(before);
      await found.last().click(); // the results open last, above the page
      await expectOperationOpen(tab, operation(page.finds));

      // Deep links, in the current form and in the previous docs' form, open the operation.
      const target = operation(page.deepLink);
      for (const hash of [`#/${slug(target.tags[0]!)}/${target.operationId}`, `#tag/${target.tags[0]!.replace(/ /g, '-')}/operation/${target.operationId}`]) {
        await open(tab, url + hash);
        await expectOperationOpen(tab, target);
      }
      await expectNoOverflow(tab);
      await shot('operation');

      // Its code samples are on the page: curl shown, TypeScript one choice away.
      const curl = target.samples.find((s) => s.label === 'curl')!.source.split('\n').find((line) => line.startsWith('curl'))!;
      const sample = tab.locator('pre, code').filter({ hasText: curl }).first();
      await sample.scrollIntoViewIfNeeded();
      await poll(() => sample.isVisible()).toBe(true);
      // The language menu moves while the page renders further operations: retry the choice.
      const typescript = target.samples.find((s) => s.label === 'TypeScript')!.source.split('\n').find((line) => line.startsWith('import'))!;
      const typescriptSample = tab.locator('pre, code').filter({ hasText: typescript, visible: true }).first();
      await poll(async () => {
        await tab.locator('#redoc button').filter({ hasText: /^curl$/, visible: true }).first().click({ force: true, timeout: 2000 }).catch(() => undefined);
        await tab.getByText('TypeScript', { exact: true }).filter({ visible: true }).first().click({ force: true, timeout: 2000 }).catch(() => undefined);
        return typescriptSample.count();
      }, 'the TypeScript sample, chosen in the language menu').toBeGreaterThan(0);
      await expectNoOverflow(tab);

      expect(refused, 'requests to other hosts').toEqual([]);
      expect(errors, 'console errors').toEqual([]);
    } finally {
      await context.close();
    }
  });
});

/** Rendering is slow on a loaded CI machine: wait for it, up to a limit. */
const poll = <T>(read: () => Promise<T> | T, message?: string) => expect.poll(read, { timeout: 20_000, message });

/** Follows a link inside the loaded page (as a click on it does), without reloading. */
async function navigate(tab: Page, hash: string) {
  await tab.evaluate((h) => void (window.location.hash = h), hash);
}

/** Loads a URL and waits until React has hydrated the server-rendered page (links work from then on). */
async function open(tab: Page, url: string) {
  await tab.goto(url);
  await tab.waitForFunction(() => Object.keys(document.getElementById('redoc') ?? {}).some((k) => k.startsWith('__reactContainer')));
  await tab.waitForLoadState('networkidle');
}

async function expectOperationOpen(tab: Page, op: DocumentedOperation) {
  await poll(() => decodeURIComponent(new URL(tab.url()).hash).toLowerCase()).toContain(op.operationId.toLowerCase());
  const heading = tab.locator('#redoc h2').filter({ hasText: new RegExp(`^${op.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).first();
  await poll(() => heading.evaluate((h) => h.getBoundingClientRect().top >= 0 && h.getBoundingClientRect().bottom <= window.innerHeight), op.operationId).toBe(true);
  // Not hidden under the page's own fixed bar (phones): the heading is what is drawn at its place.
  await poll(() => heading.evaluate((h) => {
    const r = h.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + 4, r.top + r.height / 2);
    return !!top && (h.contains(top) || top.contains(h));
  })).toBe(true);
}

async function expectNoOverflow(tab: Page) {
  const [scrollWidth, innerWidth] = await tab.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(scrollWidth, 'page wider than the viewport').toBeLessThanOrEqual(innerWidth!);
}

/** Headings wrap between words: no word of a title is split over two lines ("Manage-ment"). */
async function expectNoWordBrokenInTitles(tab: Page) {
  const broken = await tab.locator('#redoc h1, #redoc h2').evaluateAll((headings) =>
    headings.flatMap((h) => {
      const text = h.firstChild?.nodeType === Node.TEXT_NODE ? (h.firstChild as Text) : null;
      if (!text) return [];
      const words: string[] = [];
      for (const match of text.data.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(text, match.index!);
        range.setEnd(text, match.index! + match[0].length);
        const lines = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
        if (lines.size > 1) words.push(match[0]);
      }
      return words;
    }),
  );
  expect(broken, 'words broken across lines in titles').toEqual([]);
}

/** On a phone the menu opens from a button: it must not sit on the text, and it must open the menu. */
async function expectMenuButtonClearOfText(tab: Page) {
  const button = tab.locator('#redoc .menu-content + button');
  const box = (await button.boundingBox())!;
  const firstText = (await tab.locator('#redoc main h1').first().boundingBox())!;
  expect(box.y + box.height, 'menu button above the first line of text').toBeLessThanOrEqual(firstText.y);
  await button.click();
  // The menu opens with its search box uncovered, and the same button closes it.
  const search = tab.locator('#redoc .menu-content').getByText('Search', { exact: false }).first();
  await poll(() => search.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return r.height > 0 && !!top && (el.contains(top) || top.contains(el));
  })).toBe(true);
  await button.click();
  await poll(() => tab.locator('#redoc .menu-content a').first().isVisible()).toBe(false);
}

function groupByTag(operations: DocumentedOperation[]) {
  const tags = new Map<string, DocumentedOperation[]>();
  for (const op of operations) tags.set(op.tags[0]!, [...(tags.get(op.tags[0]!) ?? []), op]);
  return tags;
}

/** Redoc's route for a tag name ("OAuth apps" → "oauth-apps"). */
const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
