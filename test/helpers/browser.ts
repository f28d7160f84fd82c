import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it when missing). */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium with the flags this machine needs: without the background-networking
 * switches Chromium keeps dialling Google's hosts, which the closed network refuses.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

export interface OfflinePage {
  context: BrowserContext;
  page: Page;
  /** Every request the page tried to send to a host it was not allowed (refused). */
  refused: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
}

/**
 * A page whose network reaches only `allowedOrigins` (e.g. the docs server, or a frontend and
 * its API): every other request is aborted and recorded, so a hidden dependency on the internet
 * (a CDN, a font, telemetry) fails the test instead of passing on a connected laptop.
 */
export async function offlinePage(browser: Browser, allowedOrigins: string[], viewport = { width: 1440, height: 900 }): Promise<OfflinePage> {
  const context = await browser.newContext({ viewport });
  const refused: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isAllowed(url, allowedOrigins)) return route.continue();
    refused.push(url);
    return route.abort('blockedbyclient');
  });
  return { context, refused, ...(await watchedPage(context)) };
}

/**
 * The same guarantee without Playwright's request interception, for pages whose cross-origin
 * calls must meet the server's own CORS answers: while routing is on, Playwright answers CORS
 * preflights itself, so a server sending no CORS headers would still receive the request.
 * Here every host but the allowed ones is sent to a proxy that does not exist, and so refused.
 */
export async function offlinePageWithRealCors(browser: Browser, allowedOrigins: string[], viewport = { width: 1440, height: 900 }): Promise<OfflinePage> {
  const bypass = allowedOrigins.map((o) => new URL(o).host).join(',');
  const context = await browser.newContext({ viewport, proxy: { server: 'http://127.0.0.1:9', bypass } });
  const refused: string[] = [];
  context.on('requestfailed', (request) => void (isAllowed(request.url(), allowedOrigins) || refused.push(request.url())));
  return { context, refused, ...(await watchedPage(context)) };
}

function isAllowed(url: string, allowedOrigins: string[]): boolean {
  return url.startsWith('data:') || url.startsWith('blob:') || allowedOrigins.some((o) => url === o || url.startsWith(`${o}/`));
}

/** A new page of the context, recording console errors and uncaught page errors. */
async function watchedPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const errors: string[] = [];
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, errors };
}
