// `npm run dev` as a designer uses it: spawned in a throwaway copy of the repository, a docs
// page open in Chromium, split files of the spec saved one after the other. Each save must
// reach the reference server, the Prism mock and the open page with no restart by hand; an
// invalid save must change nothing (and say where it is wrong); the next good one recovers.
// Speed is not asserted here: bench/dev-loop.ts measures save-to-visible times.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { launchBrowser, offlinePage, type OfflinePage } from '../helpers/browser.js';
import { startDevLoop, type DevLoop } from '../helpers/dev-loop.js';
import { readGuides } from '../helpers/guides.js';

const schema = 'openapi/components/schemas/OauthAppCreate.yaml';
const example = 'openapi/components/examples/StripeOauthApp.yaml';
const exampleId = '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8';

let loop: DevLoop;
let browser: Browser;
let docs: OfflinePage;
let original: { schema: string; example: string };

// The loop serves an in-memory SQLite store whatever the suite's backend: checked once.
describe.skipIf(process.env.TEST_STORE === 'postgres')('npm run dev', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    [loop, browser] = await Promise.all([startDevLoop(), launchBrowser()]);
    original = { schema: loop.read(schema), example: loop.read(example) };
    // The page may reach the server and the LiveReload server, nothing else.
    docs = await offlinePage(browser, [loop.api, loop.livereload]);
    // Each document the page loads notes when its LiveReload client is connected (see reloads()).
    await docs.page.addInitScript(() => document.addEventListener('LiveReloadConnect', () => ((window as { liveReloadConnected?: boolean }).liveReloadConnected = true)));
    await docs.page.goto(`${loop.api}/docs/#/oauth-apps/createoauthapp`, { waitUntil: 'load' });
    await connected();
    await shows('Display name of the OAuth app.');
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await loop?.stop();
  });
  // A failure shows what the loop printed: what it rebuilt, and any error it reported.
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(`--- npm run dev printed ---\n${loop?.output()}`);
  });

  /** Creates an app without `metadata` (optional in the spec as shipped): 200, or 422 once it is required. */
  const createWithoutMetadata = async (base: string) => {
    const res = await fetch(`${base}/v1/oauth-apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${loop.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'stripe', name: 'Dev loop', client_id: `dev-${Math.random()}`, client_secret: 'sk_dev' }),
    });
    return { status: res.status, body: (await res.json()) as { validation_errors?: Record<string, unknown> }, violations: res.headers.get('sl-violations') };
  };
  const requireMetadata = (text: string, marker: string) =>
    text
      .replace('required: [provider, client_id, client_secret, name]', 'required: [provider, client_id, client_secret, name, metadata]')
      .replace('description: Display name of the OAuth app.', `description: Display name of the OAuth app (${marker}).`);
  /** Resolves once the page's LiveReload client is connected: a reload sent before that is lost. */
  const connected = () => docs.page.waitForFunction(() => (window as { liveReloadConnected?: boolean }).liveReloadConnected === true, undefined, { timeout: 60_000 });
  /**
   * Resolves once the open page has reloaded itself and is connected again, ready for the next
   * save (a save right after a reload, its page still loading, would not reach it).
   */
  const reloads = async () => {
    await docs.page.waitForEvent('load', { timeout: 60_000 });
    await connected();
  };
  /** Resolves once the open page has reloaded itself and shows `text`. */
  const reloadsShowing = async (text: string) => {
    await reloads();
    await shows(text);
  };
  const shows = (text: string) => docs.page.waitForFunction((t) => document.body.innerText.includes(t), text, { timeout: 60_000 });

  it("is the command the README's guides give", () => {
    expect(readGuides()).toMatch(/^```sh\nnpm run dev\s/m);
  });

  it('prints where everything is', () => {
    const out = loop.output();
    expect(out).toContain(`API      ${loop.api}`);
    expect(out).toContain(`docs     ${loop.api}/docs`);
    expect(out).toContain(`${loop.api}/docs/try (the console)`);
    expect(out).toContain(`mock     ${loop.mock}`);
    expect(out).toContain(`token: ${loop.token}`);
  });

  it('serves the docs pages with the reloader, byte for byte otherwise, multi-byte characters across chunks included', async () => {
    // A page with "é" across the 64 KiB boundary of the file stream (and the reloader's snippet).
    const page = `<!DOCTYPE html><html><body>${'a'.repeat(65_535 - 27)}é${'ü'.repeat(40_000)}</body></html>`;
    writeFileSync(join(loop.dir, 'build', 'docs', 'chunks.html'), page);
    const res = await fetch(`${loop.api}/docs/chunks.html`, { headers: { accept: 'text/html' } });
    const served = await res.text();
    const snippet = /<script src="\/\/127\.0\.0\.1:\d+\/livereload\.js\?snipver=1"[^>]*><\/script>/.exec(served)?.[0];
    expect(snippet).toBeDefined();
    expect(served.replace(snippet!, '')).toBe(page);
    // The API and the specs are left alone.
    expect(await (await fetch(`${loop.api}/openapi.yaml`, { headers: { accept: 'text/html' } })).text()).not.toContain('livereload');
  });

  it('a save of a split schema file reaches the server, the mock and the open docs page', async () => {
    expect((await createWithoutMetadata(loop.api)).status).toBe(200);
    expect((await createWithoutMetadata(loop.mock)).status).toBe(200);

    const done = loop.printed(/done in/);
    const reloaded = reloadsShowing('Display name of the OAuth app (save 1).');
    loop.save(schema, requireMetadata(original.schema, 'save 1'));
    await Promise.all([done, reloaded]);

    // The server's validator has the new spec: the field made required is refused at once.
    const server = await createWithoutMetadata(loop.api);
    expect(server.status).toBe(422);
    expect(JSON.stringify(server.body.validation_errors)).toContain('metadata');
    // So does Prism, which validates requests against the spec it mocks (and names the violation).
    const mock = await createWithoutMetadata(loop.mock);
    expect(mock.status).toBe(422);
    expect(mock.violations).toContain("must have required property 'metadata'");
    // The served spec and the generated types follow.
    const served = (await (await fetch(`${loop.api}/openapi.json`)).json()) as { components: { schemas: { OauthAppCreate: { required: string[] } } } };
    expect(served.components.schemas.OauthAppCreate.required).toContain('metadata');
    expect(loop.read('generated/schema.d.ts')).toMatch(/OauthAppCreate: \{[^}]*?\n\s+metadata: components/s);

    // What was rebuilt, and how long it took, is printed.
    const out = loop.output().split('saved ').at(-1)!;
    expect(out).toMatch(new RegExp(`^${schema}`));
    expect(out).toMatch(/spec\s+lint \d.* \(main\): generated\/openapi\.json/); // the sandbox does not use this schema
    expect(out).toMatch(/server\s+reloaded the new spec \(\d/);
    expect(out).toMatch(/mock\s+serves the new spec, 5 operations \(\d/);
    expect(out).toMatch(/docs\s+rebuilt, open pages reload \(\d/);
    expect(out).toMatch(/types\s+generated\/schema\.d\.ts/);
    expect(out).toMatch(/done in \d/);
  });

  it('a new example in a split file is what the mock serves, and what the docs page shows', async () => {
    const reloaded = reloads();
    const done = loop.printed(/done in/);
    loop.save(example, original.example.replace('name: My Stripe OAuth App', 'name: Renamed by the dev loop test'));
    await Promise.all([done, reloaded]);
    const res = await fetch(`${loop.mock}/v1/oauth-apps/${exampleId}`, { headers: { authorization: `Bearer ${loop.token}` } });
    expect(((await res.json()) as { name: string }).name).toBe('Renamed by the dev loop test');
    // The reloaded page's response sample of getOauthApp.
    await docs.page.evaluate(() => (location.hash = '#/oauth-apps/getoauthapp'));
    await shows('Renamed by the dev loop test');
    await docs.page.evaluate(() => (location.hash = '#/oauth-apps/createoauthapp'));
    const restored = loop.printed(/done in/);
    const restoredPage = reloads();
    loop.save(example, original.example);
    await Promise.all([restored, restoredPage]);
  });

  it('an invalid save names the file and line, and keeps the last good state serving; the next valid save recovers', async () => {
    // `maxLength: many`: the YAML parses, the schema is wrong. On the line of `name`'s maxLength.
    const broken = requireMetadata(original.schema, 'save 1').replace(/(name:\n(?:.*\n)*?\s+maxLength:) 255/, '$1 many');
    const line = broken.split('\n').findIndex((l) => l.includes('maxLength: many')) + 1;
    const refused = loop.printed(/still serve the last good spec[\s\S]*?\n.*\n/);
    loop.save(schema, broken);
    expect(await refused).toMatch(new RegExp(`${schema}:${line}:\\d+\\s+error`));
    // Nothing moved: the server and the mock still answer by the last good spec, the bundle is unchanged.
    expect((await createWithoutMetadata(loop.api)).status).toBe(422);
    expect((await createWithoutMetadata(loop.mock)).status).toBe(422);
    expect(loop.read('generated/openapi.yaml')).not.toContain('maxLength: many');

    // Not even YAML: the parser's error, with its place.
    const unparsable = loop.printed(/still serve the last good spec[\s\S]*?\n.*\n/);
    loop.save(schema, `${original.schema}\n  nope: [unclosed\n`);
    expect(await unparsable).toMatch(new RegExp(`${schema}:\\d+:\\d+\\s+error`));
    expect((await createWithoutMetadata(loop.api)).status).toBe(422);

    // The next valid save (the spec as shipped) brings everything back.
    const done = loop.printed(/done in/);
    const reloaded = reloadsShowing('Display name of the OAuth app.');
    loop.save(schema, original.schema);
    await Promise.all([done, reloaded]);
    expect((await createWithoutMetadata(loop.api)).status).toBe(200);
    expect((await createWithoutMetadata(loop.mock)).status).toBe(200);
  });

  it('a save under src/ restarts the server with the new code; code that does not load keeps the old server serving', async () => {
    const file = 'src/http/present.ts';
    const code = loop.read(file);
    const kept = loop.printed(/the new code did not load/, 60_000);
    loop.save(file, `${code}\nexport const = ;\n`);
    await kept;
    expect((await fetch(`${loop.api}/healthz`)).status).toBe(200);

    const restarted = loop.printed(/restarted with the new code/, 60_000);
    loop.save(file, `${code}\n// saved by the dev loop test\n`);
    await restarted;
    const res = await fetch(`${loop.api}/v1/oauth-apps`, { headers: { authorization: `Bearer ${loop.token}` } });
    expect(res.status).toBe(200);
  });

  it('leaves the bundles and types exactly as `npm run generate` makes them', async () => {
    // After the saves above the spec is as shipped again; generate:check rebuilds with the Redocly CLI and compares.
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/generate.mjs', '--check'], { cwd: loop.dir });
    expect(stdout).toContain('Generated files are up to date');
    expect(docs.refused).toEqual([]);
  });
});
