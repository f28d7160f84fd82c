// Save-to-visible time of `npm run dev` (issue #22's target: at most 2 s here): saves a schema
// file of a throwaway copy of the repository several times and measures, from each write, when
// the reference server and the Prism mock answer by the new spec and when the docs page open
// in Chromium has reloaded itself and shows the change. Prints each save and the medians.
//   node --import tsx bench/dev-loop.ts [saves, default 7]
import { launchBrowser } from '../test/helpers/browser.js';
import { startDevLoop } from '../test/helpers/dev-loop.js';

const saves = Number(process.argv[2] ?? 7);
const schema = 'openapi/components/schemas/OauthAppCreate.yaml';

const loop = await startDevLoop();
const browser = await launchBrowser();
try {
  const original = loop.read(schema);
  const page = await browser.newPage();
  // The create operation's page, where the request body's fields are shown.
  await page.goto(`${loop.api}/docs/#/oauth-apps/createoauthapp`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.innerText.includes('Display name of the OAuth app'), undefined, { timeout: 30_000 });

  /** The schema with `metadata` required or not, and a marker in a description the page shows. */
  const variant = (i: number) =>
    original
      .replace('required: [provider, client_id, client_secret, name]', i % 2 ? 'required: [provider, client_id, client_secret, name, metadata]' : 'required: [provider, client_id, client_secret, name]')
      .replace('description: Display name of the OAuth app.', `description: Display name of the OAuth app (save ${i}).`);

  /** Whether `base` refuses a create without metadata (422) — the change each save makes. */
  const refusesWithoutMetadata = async (base: string) => {
    const res = await fetch(`${base}/v1/oauth-apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${loop.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'stripe', name: 'Bench', client_id: `bench-${Math.random()}`, client_secret: 'sk_bench' }),
    });
    await res.arrayBuffer();
    return res.status === 422;
  };
  /** Polls (every 10 ms) until `check` holds; the time from `t0`. */
  const until = async (t0: number, check: () => Promise<boolean>) => {
    while (!(await check())) await new Promise((r) => setTimeout(r, 10));
    return performance.now() - t0;
  };

  const rows: { server: number; mock: number; docs: number }[] = [];
  for (let i = 1; i <= saves; i++) {
    const required = i % 2 === 1;
    const marker = `(save ${i})`;
    const reloaded = page.waitForEvent('load', { timeout: 30_000 });
    const done = loop.printed(/done in/);
    const t0 = performance.now();
    loop.save(schema, variant(i));
    const [server, mock, docs] = await Promise.all([
      until(t0, async () => (await refusesWithoutMetadata(loop.api)) === required),
      until(t0, async () => (await refusesWithoutMetadata(loop.mock)) === required),
      reloaded.then(async () => {
        await page.waitForFunction((text) => document.body.innerText.includes(text), marker, { timeout: 30_000 });
        return performance.now() - t0;
      }),
    ]);
    await done;
    rows.push({ server, mock, docs });
    console.log(`save ${i} (metadata ${required ? 'required' : 'optional'}): server ${ms(server)}, mock ${ms(mock)}, docs ${ms(docs)}`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `\nmedian of ${saves} saves of ${schema}: server ${ms(median(rows.map((r) => r.server)))}, mock ${ms(median(rows.map((r) => r.mock)))}, docs ${ms(median(rows.map((r) => r.docs)))}` +
      ` (max ${ms(Math.max(...rows.map((r) => Math.max(r.server, r.mock, r.docs))))})`,
  );
  console.log(`\n--- the loop's output for the last save ---\n${loop.output().split('saved ').at(-1)}`);
} finally {
  await browser.close();
  await loop.stop();
}

function ms(value: number) {
  return `${Math.round(value)} ms`;
}
