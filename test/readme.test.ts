import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../src/paths.js';
import { startChildServer, type ChildServer } from './helpers/child.js';
import { dropTestSchemas, freshDatabaseUrl, onPostgres } from './helpers/database.js';
import { readGuides } from './helpers/guides.js';
import { startPrismMock, type RunningPrism } from './helpers/prism.js';

// The curl lines of the README and its guides (docs/*.md), run as a newcomer would: in order, with real curl, on a fresh
// server (the bundled seed loaded) or a fresh Prism mock. Lines are taken from every fenced
// `sh` block, so an edited or moved section is still covered; a README with none of them
// left fails loudly rather than passing on nothing.
interface Line {
  command: string;
  /** The status the line asks for (`Prefer: code=404`); a line piped to grep is judged by grep; otherwise any 2xx. */
  expected?: number | 'grep';
}

function readmeLines(): { assignments: string[]; byPort: Map<string, Line[]>; contractLines: string[] } {
  const readme = readGuides();
  const blocks = [...readme.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  const assignments: string[] = [];
  const byPort = new Map<string, Line[]>();
  const contractLines: string[] = []; // `npx oauth-apps-api contract …` against the local server
  for (const block of blocks) {
    for (const raw of block.replace(/\\\n\s*/g, ' ').split('\n')) {
      const line = raw.trim();
      if (/^[A-Z_]+=\S+$/.test(line)) assignments.push(line); // e.g. TOKEN=dev-token, used by the lines below it
      if (/^npx oauth-apps-api contract .*http:\/\/127\.0\.0\.1:3000/.test(line)) contractLines.push(line);
      if (!line.startsWith('curl ')) continue;
      const port = /http:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1];
      if (!port) throw new Error(`README curl line without a local URL: ${line}`);
      const code = /code=(\d{3})/.exec(line)?.[1];
      byPort.set(port, [...(byPort.get(port) ?? []), { command: line, expected: code ? Number(code) : /\|\s*grep /.test(line) ? 'grep' : undefined }]);
    }
  }
  return { assignments, byPort, contractLines };
}

/** Runs the lines in one shell, in order; curl reports each status on stderr. */
function runLines(lines: Line[], assignments: string[], from: string, to: string) {
  const script = [
    'set -euo pipefail',
    `curl() { command curl --max-time 30 --write-out '%{stderr}STATUS %{http_code}\\n' "$@"; }`,
    ...assignments,
    ...lines.map((l) => l.command.replaceAll(from, to)),
  ].join('\n');
  const run = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 120_000 });
  const statuses = [...run.stderr.matchAll(/^STATUS (\d+)$/gm)].map((m) => Number(m[1]));
  return { ...run, statuses, report: `${script}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}` };
}

function expectStatuses(lines: Line[], run: ReturnType<typeof runLines>) {
  expect(run.status, run.report).toBe(0); // set -e, pipefail: a failing curl or grep fails the run
  expect(run.statuses.length, run.report).toBe(lines.length);
  lines.forEach((l, i) => {
    const status = run.statuses[i]!;
    if (typeof l.expected === 'number') expect(status, `${l.command}\n${run.report}`).toBe(l.expected);
    else if (l.expected === undefined) expect(status >= 200 && status < 300, `${l.command}\n${run.report}`).toBe(true);
  });
}

const { assignments, byPort, contractLines } = readmeLines();

describe("the README's curl lines against a fresh reference server", () => {
  const lines = byPort.get('3000') ?? [];
  let server: ChildServer;
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = freshDatabaseUrl();
    server = await startChildServer({ databaseUrl, token: 'dev-token', seed: true });
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await dropTestSchemas(databaseUrl);
  });

  it('are there: the first create, a filtered list, the sandbox controls', () => {
    expect(lines.length, 'README: its curl lines for http://127.0.0.1:3000 are gone').toBeGreaterThanOrEqual(4);
    expect(lines[0]!.command, "README: the first curl line is no longer the create of 'The reference server'").toMatch(/-X POST http:\/\/127\.0\.0\.1:3000\/v1\/oauth-apps /);
    expect(lines.some((l) => l.command.includes('/__sandbox/'))).toBe(true);
  });

  it('each answers as the README says (the first create: 200, not "already taken")', { timeout: 120_000 }, () => {
    const run = runLines(lines, assignments, 'http://127.0.0.1:3000', server.url);
    expectStatuses(lines, run);
    // The list right after the create finds what it created.
    const created = /^\{"id":"([^"]+)"/.exec(run.stdout)?.[1];
    expect(created, run.report).toBeDefined();
    expect(run.stdout.split(`"id":"${created}"`).length - 1, run.report).toBeGreaterThanOrEqual(2);
  });
});

// The CI line, on a sandbox of its own as a CI job starts one (the curl lines above leave faults set).
describe("the README's CI line against a fresh reference server", () => {
  let server: ChildServer;
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = freshDatabaseUrl();
    server = await startChildServer({ databaseUrl, token: 'dev-token', seed: true });
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await dropTestSchemas(databaseUrl);
  });

  it("runs the contract suite with a JUnit report, which passes and leaves its report", { timeout: 180_000 }, () => {
    expect(contractLines.length, 'README: its `npx oauth-apps-api contract` line for http://127.0.0.1:3000 is gone').toBeGreaterThanOrEqual(1);
    const cwd = mkdtempSync(join(tmpdir(), 'oauth-apps-readme-ci-'));
    try {
      for (const line of contractLines) {
        // npx of this checkout's built CLI, in a fresh folder as a CI job's workspace
        const command = line.replace(/^npx oauth-apps-api/, `node ${join(packageRoot, 'dist', 'src', 'cli.js')}`).replaceAll('http://127.0.0.1:3000', server.url);
        const run = spawnSync('bash', ['-c', command], { cwd, encoding: 'utf8', timeout: 170_000 });
        expect(run.status, `${command}\n${run.stdout}\n${run.stderr}`).toBe(0);
        const report = /--output (\S+)/.exec(line)?.[1];
        if (report) expect(existsSync(join(cwd, report)), `${report} was not written`).toBe(true);
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

// The mock needs no store: the sqlite project runs it.
describe.skipIf(onPostgres)("the README's curl lines against a fresh Prism mock", () => {
  const lines = byPort.get('4010') ?? [];
  let prism: RunningPrism;
  beforeAll(async () => {
    prism = await startPrismMock();
  }, 60_000);
  afterAll(() => prism?.stop());

  it('each answers as the README says', { timeout: 120_000 }, () => {
    expect(lines.length, 'README: its curl lines for the mock (http://127.0.0.1:4010) are gone').toBeGreaterThanOrEqual(3);
    const run = runLines(lines, assignments, 'http://127.0.0.1:4010', prism.url);
    expectStatuses(lines, run);
  });
});
