// `npm run dev` renders the docs pages with Redocly CLI's build-docs handler loaded once in a
// process that stays up (scripts/build-docs.mjs --serve), not with a CLI process per save. The
// CLI exports no API for it: this test says so the day a CLI release moves the handler (the pages
// would still build, through the CLI, but a save would take about 0.7 s longer to show), and
// that both ways write the same pages, byte for byte.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDocs, cliHandler } from '../../scripts/build-docs.mjs';

const work = mkdtempSync(join(tmpdir(), 'docs-renderer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(process.env.TEST_STORE === 'postgres')('the docs renderer of npm run dev', { timeout: 120_000 }, () => {
  it("finds the CLI's build-docs handler", async () => {
    const cli = await cliHandler();
    expect(cli, 'scripts/build-docs.mjs no longer finds handlerBuildCommand in @redocly/cli/lib/index.js: update cliHandler()').not.toBeNull();
    expect(typeof cli?.handler).toBe('function');
  });

  it('writes the same pages in process as the CLI does, build after build', async () => {
    const cli = join(work, 'cli');
    const warm = join(work, 'warm');
    const warmAgain = join(work, 'warm-again');
    expect(await buildDocs([], { outDir: cli })).toHaveLength(3);
    await buildDocs([], { warm: true, outDir: warm });
    // The second warm build is the one a save gets: nothing kept from the first may leak into it.
    await buildDocs([], { warm: true, outDir: warmAgain });
    const files = readdirSync(cli).sort();
    expect(files).toEqual(['index.html', 'openapi.json', 'openapi.yaml', 'sandbox.html', 'sandbox.json', 'sandbox.yaml', 'try.html']);
    for (const dir of [warm, warmAgain]) {
      expect(readdirSync(dir).sort()).toEqual(files);
      for (const file of files) expect(readFileSync(join(dir, file)).equals(readFileSync(join(cli, file))), `${dir}/${file}`).toBe(true);
    }
  });
});
