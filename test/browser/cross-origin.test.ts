import type { Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExample, serveExample } from '../../examples/browser/build.js';
import { packageRoot } from '../../src/paths.js';
import type { CorsOrigins } from '../../src/http/cors.js';
import { launchBrowser, offlinePageWithRealCors } from '../helpers/browser.js';
import { onPostgres } from '../helpers/database.js';
import { startServer, TOKEN, type TestServer } from '../helpers/server.js';

// examples/browser/ in headless Chromium: the page served from one origin, the reference
// server on another (another port is another origin), every other host refused. Once, on
// the SQLite project: what is proved is the browser's view of CORS, not the backend.
describe.skipIf(onPostgres)('the browser example, its page and the API on two origins', () => {
  let browser: Browser;
  let site: { server: Server; origin: string };
  let outDir: string;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    outDir = await buildExample(mkdtempSync(join(tmpdir(), 'oauth-apps-browser-example-')));
    site = await serveExample(outDir);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    site?.server.close();
    await Promise.all(servers.map((s) => s.close()));
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  async function openPage(corsOrigins: CorsOrigins | undefined, screenshot: string) {
    const api = await startServer({ corsOrigins });
    servers.push(api);
    expect(new URL(api.url).origin).not.toBe(site.origin);
    const { page, refused, errors, context } = await offlinePageWithRealCors(browser, [site.origin, api.url], { width: 900, height: 760 });
    await page.goto(`${site.origin}/?api=${encodeURIComponent(api.url)}&token=${TOKEN}`);
    await page.waitForSelector('body[data-done="true"]', { timeout: 20_000 });
    const steps = await page.$$eval('#steps li', (items) => items.map((li) => ({ step: li.dataset.step, ok: li.dataset.ok === 'true', text: li.textContent ?? '' })));
    mkdirSync(join(packageRoot, 'build'), { recursive: true });
    await page.screenshot({ path: join(packageRoot, 'build', screenshot), fullPage: true });
    await context.close();
    return { api, steps, refused, errors };
  }

  it('creates, lists and renames an app with the typed client, and shows a 429 forced through the sandbox', async () => {
    const { api, steps, refused, errors } = await openPage(undefined, 'browser-example.png');
    expect(steps.map((s) => s.step)).toEqual(['create', 'list', 'rename', 'rate-limit']);
    for (const s of steps) expect(s.ok, s.text).toBe(true);
    expect(steps[3]!.text).toMatch(/^list answered 429: Too many requests/);
    // What the page did is on the server.
    const { data } = await api.client.GET('/v1/oauth-apps', { params: { query: { provider: 'github' } } });
    expect(data!.data.filter((a) => a.name === 'Renamed in the browser')).toHaveLength(1);
    expect(refused).toEqual([]);
    // A real preflight reached the server (no test harness answered it).
    expect(api.logLines.some((l) => (JSON.parse(l) as { method: string; status: number }).method === 'OPTIONS')).toBe(true);
    // The only console error is Chromium reporting the forced 429 itself.
    expect(errors.filter((e) => !/status of 429/.test(e))).toEqual([]);
  });

  it('is blocked by the browser when the server sends no CORS headers (--cors-origin none)', async () => {
    const { api, steps, errors } = await openPage('none', 'browser-example-cors-none.png');
    expect(steps).toEqual([{ step: 'error', ok: false, text: expect.stringMatching(/could not be reached: TypeError: Failed to fetch/) }]);
    expect(errors.join('\n')).toMatch(/blocked by CORS policy/);
    // The preflight met auth (401, no CORS headers), so the create itself was never sent.
    expect(api.logLines.map((l) => JSON.parse(l) as { method: string; status: number }).map((l) => `${l.method} ${l.status}`)).toEqual(['OPTIONS 401']);
    const { data } = await api.client.GET('/v1/oauth-apps', { params: { query: { provider: 'github' } } });
    expect(data!.data.some((a) => a.name === 'Made in the browser')).toBe(false);
  });
});
