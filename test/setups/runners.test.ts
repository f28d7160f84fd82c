// The kit in the test setups frontend teams have (issue #25), as they meet it: both tarballs
// installed with npm into one empty project, with Jest 30 (CommonJS through ts-jest, and ESM
// under --experimental-vm-modules), vitest, jsdom and happy-dom, msw 2 and 3, TypeScript 5.9
// and 7. The README's examples are the test files run there. One install, reused by every cell;
// each cell's result and time go to build/setups-report-node<major>.json, and the README's
// compatibility table must say what this run saw (scripts/compat-table.mjs writes it).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot as repo } from '../../src/paths.js';
import { onPostgres } from '../helpers/database.js';
import { packedTarballs } from '../helpers/packed.js';
import { cellId, knownOutcome, readmeTable, type Cell, type CellResult } from './cells.js';

const exec = promisify(execFile);
const [nodeMajor, nodeMinor] = process.versions.node.split('.').map(Number) as [number, number];
// node:sqlite from Node 22.13 (src/store/sqlite-driver.ts); before, the optional peer better-sqlite3.
const usesBetterSqlite = nodeMajor < 22 || (nodeMajor === 22 && nodeMinor < 13);
const examples = join(repo, 'test', 'setups', 'examples');
// What a frontend team's project has, at the majors the issue names.
const devDependencies = [
  'jest@30',
  'ts-jest@29',
  'jest-environment-jsdom@30',
  'jest-fixed-jsdom@0.0',
  '@happy-dom/jest-environment@20',
  'happy-dom@21',
  'jsdom@26',
  'vitest@4',
  'typescript@5.9',
  'ts7@npm:typescript@7',
  'msw@3',
  'msw2@npm:msw@2',
];

/** The README's MSW examples are written for one major; msw 2 and 3 spell the unhandled-request option differently. */
const forMsw = (source: string, major: 2 | 3) => (major === 2 ? source.replaceAll('onUnhandledFrame', 'onUnhandledRequest') : source.replaceAll('onUnhandledRequest', 'onUnhandledFrame'));

// (Spelled in two halves: vitest reads an environment comment anywhere in this file too.)
const vitestEnv = '// @vitest' + '-environment';
const envDocblock: Record<'vitest' | 'jest', Record<string, string>> = {
  vitest: { jsdom: `${vitestEnv} jsdom\n`, 'happy-dom': `${vitestEnv} happy-dom\n` },
  jest: { jsdom: '', 'happy-dom': '/** @jest-environment @happy-dom/jest-environment */\n' },
};

describe.skipIf(onPostgres)('the kit in Jest, vitest, jsdom, happy-dom, msw 2 and 3 (packed, installed with npm)', () => {
  let work: string;
  let dir: string;
  let mswNow: 2 | 3 = 3;
  const results: CellResult[] = [];
  const timings: Record<string, number> = {};

  /** node_modules/msw is the given major (the other one kept aside, renamed). */
  function useMsw(major: 2 | 3) {
    if (mswNow === major) return;
    const nm = join(dir, 'node_modules');
    renameSync(join(nm, 'msw'), join(nm, `msw${mswNow}`));
    renameSync(join(nm, `msw${major}`), join(nm, 'msw'));
    mswNow = major;
  }

  beforeAll(async () => {
    const start = performance.now();
    const tarballs = await packedTarballs();
    work = mkdtempSync(join(tmpdir(), 'oauth-apps-setups-'));
    dir = join(work, 'consumer');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    // Where the kit needs better-sqlite3 (Node 20), the consumer adds it, --ignore-scripts: it
    // would compile SQLite for minutes; its binary comes from this checkout's build (as in test/packages.test.ts).
    const betterSqlite = usesBetterSqlite ? [`better-sqlite3@${(JSON.parse(readFileSync(join(repo, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string }).version}`] : [];
    await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', '--ignore-scripts', tarballs.kit, tarballs.client, ...betterSqlite, ...devDependencies], { cwd: dir });
    if (usesBetterSqlite) {
      const binary = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
      mkdirSync(dirname(join(dir, binary)), { recursive: true });
      copyFileSync(join(repo, binary), join(dir, binary));
    }
    timings.install = Math.round(performance.now() - start);
  }, 600_000);

  afterAll(async () => {
    const report = { node: process.versions.node, timings, cells: results };
    console.log(`setups: ${JSON.stringify(report)}`);
    mkdirSync(join(repo, 'build'), { recursive: true });
    if (results.length) writeFileSync(join(repo, 'build', `setups-report-node${nodeMajor}.json`), `${JSON.stringify(report, null, 2)}\n`);
    if (work) await rm(work, { recursive: true, force: true });
  }, 180_000);

  /** Writes the example files of the cells into the runner's folder; returns file → cell. */
  function lay(runner: Cell['runner'], cells: Cell[]): Map<string, Cell> {
    const folder = join(dir, runner);
    mkdirSync(folder, { recursive: true });
    const files = new Map<string, Cell>();
    for (const cell of cells) {
      const [source, ext] =
        runner === 'vitest'
          ? [readFileSync(join(repo, 'test', 'frontend', `${cell.style === 'fetch' ? 'in-process' : 'msw'}.example.test.ts`), 'utf8'), 'ts']
          : [readFileSync(join(examples, runner, `${cell.style === 'fetch' ? 'in-process' : 'msw'}.test.${runner === 'jest-esm' ? 'mjs' : 'ts'}`), 'utf8'), runner === 'jest-esm' ? 'mjs' : 'ts'];
      const file = `${cell.style}.${cell.env}.msw${cell.msw ?? 0}.test.${ext}`;
      writeFileSync(join(folder, file), envDocblock[runner === 'vitest' ? 'vitest' : 'jest'][cell.env] + (cell.msw ? forMsw(source, cell.msw) : source));
      files.set(file, cell);
    }
    for (const config of runner === 'vitest' ? [] : ['jest.config.js', 'jest.config.mjs']) {
      if (existsSync(join(examples, runner, config))) copyFileSync(join(examples, runner, config), join(folder, config));
    }
    if (runner === 'jest-cjs') {
      // What a TypeScript project's tsconfig says; ts-jest type-checks every test file with it.
      const compilerOptions = { module: 'CommonJS', moduleResolution: 'Node10', target: 'ES2022', lib: ['ES2022', 'DOM'], strict: true, esModuleInterop: true, skipLibCheck: false, types: [] };
      writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify({ compilerOptions }));
    }
    return files;
  }

  /** Runs one runner over the cells' files; records each cell's result (pass, or a known failure) and time. */
  async function run(runner: Cell['runner'], cells: Cell[]) {
    const files = lay(runner, cells);
    const folder = join(dir, runner);
    const out = join(folder, 'results.json');
    const [args, env] =
      runner === 'vitest'
        ? [[join(dir, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', folder, '--reporter=json', `--outputFile=${out}`, ...files.keys()], {}]
        : [[join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), '--rootDir', folder, '-c', join(folder, runner === 'jest-esm' ? 'jest.config.mjs' : 'jest.config.js'), '--json', `--outputFile=${out}`, '--testTimeout=20000'], runner === 'jest-esm' ? { NODE_OPTIONS: '--experimental-vm-modules' } : {}];
    const cleanEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const name of Object.keys(cleanEnv)) if (name.startsWith('VITEST') || name === 'TEST' || name === 'NODE_ENV') delete cleanEnv[name];
    const started = performance.now();
    const child = await exec(process.execPath, args, { cwd: folder, env: cleanEnv, maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout: string; stderr: string }) => err);
    const wall = Math.round(performance.now() - started);
    expect(existsSync(out), `${runner} wrote no results:\n${child.stdout}\n${child.stderr}`).toBe(true);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { testResults: { name: string; status: string; message: string; startTime: number; endTime: number; assertionResults: { status: string; failureMessages: string[] }[] }[] };
    const unexpected: string[] = [];
    for (const [file, cell] of files) {
      const result = report.testResults.find((r) => r.name.endsWith(`/${file}`));
      const failure = !result ? `${file}: not run` : result.status === 'passed' ? undefined : [result.message, ...result.assertionResults.flatMap((a) => a.failureMessages)].join('\n');
      const known = failure === undefined ? undefined : knownOutcome(cell, failure);
      if (failure !== undefined && !known) unexpected.push(`${cellId(cell)}:\n${failure}`);
      results.push({ ...cell, result: failure === undefined ? 'pass' : (known ?? 'fail'), ms: result ? Math.round(result.endTime - result.startTime) : 0 });
    }
    timings[`${runner} msw${mswNow}`] = wall;
    expect(unexpected, unexpected.join('\n\n')).toEqual([]);
  }

  const envs = ['jsdom', 'happy-dom'] as const;
  const both = (runner: Cell['runner'], msw: 2 | 3, styles: Cell['style'][]): Cell[] => envs.flatMap((env) => styles.map((style) => ({ runner, env, style, ...(style === 'msw' ? { msw } : {}) })));

  // msw 2 first (fetch-style cells alongside: they do not depend on msw), then msw 3.
  for (const runner of ['vitest', 'jest-cjs', 'jest-esm'] as const) {
    it(`${runner}: in-process API with the injected fetch and with msw 2, in jsdom and happy-dom`, async () => {
      useMsw(2);
      await run(runner, both(runner, 2, ['fetch', 'msw']));
    }, 300_000);
  }
  for (const runner of ['vitest', 'jest-cjs', 'jest-esm'] as const) {
    it(`${runner}: with msw 3, in jsdom and happy-dom`, async () => {
      useMsw(3);
      await run(runner, both(runner, 3, ['msw']));
    }, 300_000);
  }

  // The types of oauth-apps-api/testing, /sandbox and the root under every moduleResolution, by
  // TypeScript 5.9 and 7, with and without msw, skipLibCheck off: nothing a consumer lacks may surface.
  const typesSource = `import { createOauthAppsClient } from 'oauth-apps-api';
import { createSandboxClient } from 'oauth-apps-api/sandbox';
import { createInProcessApi, type InProcessApi } from 'oauth-apps-api/testing';
export async function typed(): Promise<number> {
  const api: InProcessApi = await createInProcessApi({ seed: false });
  const client = createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: api.fetch });
  const sandbox = createSandboxClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: api.fetch });
  await sandbox.POST('/__sandbox/reset');
  // @ts-expect-error 'myspace' is not a provider: the types are the contract's, not any
  await client.POST('/v1/oauth-apps', { body: { provider: 'myspace', client_id: 'a', client_secret: 'b', name: 'c' } });
  return (await api.mswHandlers('http://api.test')).length; // deprecated, still there
}
`;
  // Only where msw is installed: the subpath whose types are msw's.
  const mswTypesSource = `import { createInProcessApi } from 'oauth-apps-api/testing';
import { mswHandlers, type MswHandler } from 'oauth-apps-api/testing/msw';
export async function handlers(): Promise<MswHandler[]> {
  const list: MswHandler[] = await mswHandlers(await createInProcessApi(), 'http://api.test');
  // @ts-expect-error the base URL is a string: the types are the kit's, not any
  await mswHandlers(await createInProcessApi(), new URL('http://api.test'));
  return list;
}
`;
  const resolutions = [
    ['node10', { module: 'CommonJS', moduleResolution: 'Node10' }, ['.ts']],
    ['node16', { module: 'Node16', moduleResolution: 'Node16' }, ['.mts', '.cts']],
    ['nodenext', { module: 'NodeNext', moduleResolution: 'NodeNext' }, ['.mts', '.cts']],
    ['bundler', { module: 'ESNext', moduleResolution: 'Bundler' }, ['.ts']],
  ] as const;
  it.each([
    ['TypeScript 5.9', 'typescript'],
    ['TypeScript 7', 'ts7'],
  ])('type-checks under node10, node16, nodenext and bundler with %s, with and without msw', async (_name, pkg) => {
    useMsw(3);
    const tsc = join(dir, 'node_modules', pkg, 'bin', 'tsc');
    const version = (await exec(process.execPath, [tsc, '--version'])).stdout.trim();
    const problems: string[] = [];
    for (const withMsw of [true, false]) {
      // Without msw: moved out of node_modules for the time of the check.
      if (!withMsw) renameSync(join(dir, 'node_modules', 'msw'), join(dir, 'node_modules', 'msw3'));
      try {
        for (const [name, options, extensions] of resolutions) {
          if (name === 'node10' && !version.includes(' 5.')) {
            results.push({ runner: 'tsc', env: name, style: withMsw ? 'msw' : 'no msw', ts: version.replace('Version ', ''), result: 'removed in TypeScript 7', ms: 0 });
            continue; // TypeScript 7 has no moduleResolution node10 any more (TS5108)
          }
          const folder = join(dir, `types-${pkg}-${name}-${withMsw ? 'msw' : 'nomsw'}`);
          mkdirSync(folder, { recursive: true });
          const files: string[] = [];
          for (const ext of extensions) {
            writeFileSync(join(folder, `consumer${ext}`), typesSource);
            files.push(`consumer${ext}`);
            if (withMsw) (writeFileSync(join(folder, `msw${ext}`), mswTypesSource), files.push(`msw${ext}`));
          }
          const compilerOptions = { ...options, target: 'ES2022', lib: ['ES2022', 'DOM'], strict: true, noEmit: true, skipLibCheck: false, types: [] };
          writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
          const started = performance.now();
          const out = await exec(process.execPath, [tsc, '-p', folder]).then((r) => r.stdout, (err: { stdout: string; stderr: string }) => `${err.stdout}${err.stderr}` || String(err));
          // msw 3's own declarations import '@mswjs/interceptors/WebSocket', an exports-only subpath that node10 cannot resolve: msw's, not the kit's.
          const errors = out.split('\n').filter((line) => /error TS\d+/.test(line));
          const mswOwn = name === 'node10' && errors.length > 0 && errors.every((line) => line.includes('/node_modules/msw/') && line.includes('@mswjs/interceptors/'));
          const result = out.trim() === '' ? 'pass' : mswOwn ? "msw 3's own types need node16+" : 'fail';
          results.push({ runner: 'tsc', env: name, style: withMsw ? 'msw' : 'no msw', ts: version.replace('Version ', ''), result, ms: Math.round(performance.now() - started) });
          if (result === 'fail') problems.push(`${version}, ${name}, ${withMsw ? 'with' : 'without'} msw:\n${out}`);
        }
      } finally {
        if (!withMsw) renameSync(join(dir, 'node_modules', 'msw3'), join(dir, 'node_modules', 'msw'));
      }
    }
    expect(problems.join('\n')).toBe('');
  }, 300_000);

  it("the compatibility table (docs/testing.md) says what this run saw on this Node", () => {
    const table = readmeTable(readFileSync(join(repo, 'docs', 'testing.md'), 'utf8'));
    const mismatches = results
      .filter((r) => r.runner !== 'tsc')
      .filter((r) => table.get(`${cellId(r)}|node${nodeMajor}`) !== r.result)
      .map((r) => `${cellId(r)} on Node ${nodeMajor}: README says ${table.get(`${cellId(r)}|node${nodeMajor}`) ?? 'nothing'}, this run: ${r.result}`);
    expect(mismatches, `${mismatches.join('\n')}\n(node scripts/compat-table.mjs build/setups-report-node*.json rewrites the table)`).toEqual([]);
  });
});
