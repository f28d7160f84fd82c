import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFuzzReport, runFuzz } from '../../src/fuzz/run.js';
import { createApp } from '../../src/app/app.js';
import { createLogger } from '../../src/http/logger.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { NewApp } from '../../src/store/types.js';
import { startServer, TOKEN, type TestServer } from '../helpers/server.js';

// npm test runs a modest number of runs; `npm run fuzz -- --runs 10000` is the long version.
const RUNS = 400;

describe('fuzzing the reference server from the spec', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('finds no violation and no leaked secret', async () => {
    const report = await runFuzz({ baseUrl: s.url, token: TOKEN, runs: RUNS, seed: 20261127, logLines: () => s.logLines });
    const text = formatFuzzReport(report, s.url);
    expect(report.failures, text).toEqual([]);
    expect(report.secretScan.leaks, text).toEqual([]);
    expect(report.requests).toBeGreaterThanOrEqual(RUNS);
    expect(Object.keys(report.byExpectation).sort()).toEqual(['auth', 'invalid', 'valid']);
    for (const status of ['200', '401', '404', '415', '422']) expect(report.statuses[status], text).toBeGreaterThan(0);
    expect(report.secretScan.bodies).toBeGreaterThan(RUNS / 2);
    expect(report.secretScan.logLines).toBeGreaterThan(RUNS / 2);
  });
});

/** A JSON value as a store writes it back: each lone surrogate (only those: the u flag) as U+FFFD. */
const asStored = (v: unknown): unknown =>
  typeof v === 'string'
    ? v.replace(/[\ud800-\udfff]/gu, '\ufffd')
    : Array.isArray(v)
      ? v.map(asStored)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [asStored(k), asStored(x)]))
        : v;

/** The reference server with response validation off and one deliberate bug. */
async function brokenServer(bug: (app: Express) => void, store = new SqliteStore(':memory:')) {
  const app = express();
  bug(app);
  app.use(createApp({ store, token: TOKEN, validateResponses: false, logger: createLogger({ level: 'silent', destination: { write: () => undefined } }) }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('the fuzzer catches what it claims to', () => {
  it('a server error on unusual input, shrunk to a minimal request with its replay seed', async () => {
    // A store that fails on names outside printable ASCII.
    class FragileStore extends SqliteStore {
      override async create(app: NewApp) {
        if (/[^\x20-\x7e]/.test(app.name)) throw new Error('encoding bug');
        return super.create(app);
      }
    }
    const broken = await brokenServer(() => undefined, new FragileStore(':memory:'));
    try {
      const report = await runFuzz({ baseUrl: broken.url, token: TOKEN, runs: RUNS, seed: 1 });
      const f = report.failures.find((x) => x.property === 'every response conforms');
      expect(f!.violations).toMatch(/server error 500/);
      const request = JSON.parse(f!.request) as { operationId: string; body: string };
      expect(request.operationId).toBe('createOauthApp');
      expect((JSON.parse(request.body) as { name: string }).name.length).toBeLessThanOrEqual(2); // shrunk
      expect(f!.replay).toMatch(/--seed \d+/);
    } finally {
      broken.close();
    }
  });

  it('ignored auth', async () => {
    const broken = await brokenServer((app) => app.use((req, _res, next) => (req.method === 'DELETE' && (req.headers.authorization = `Bearer ${TOKEN}`), next())));
    try {
      const report = await runFuzz({ baseUrl: broken.url, token: TOKEN, runs: RUNS, seed: 2 });
      expect(report.failures.map((f) => f.violations).join()).toMatch(/token answered \d+, expected 401/);
    } finally {
      broken.close();
    }
  });

  // Each class the black-box run of issue 24 found, put back into a server one at a time.
  it.each([
    ['a corrupt compressed body answered 500', (app: Express) => app.use((req, res, next) => (req.headers['content-encoding'] ? void res.status(500).json({ summary: 'Internal server error.' }) : next())), /corrupt (gzip|deflate|br) body\) answered 500/],
    [
      'text with a lone surrogate stored (as U+FFFD)',
      (app: Express) =>
        app.use((req, res, next) => {
          if (req.headers['content-encoding'] || !req.headers['content-length'] || req.headers['content-length'] === '0') return next();
          express.json()(req, res, () => ((req.body = asStored(req.body)), next()));
        }),
      /lone surrogate in [a-z_ ]+\) (answered 200, expected 422|refused without naming)/,
    ],
    ['a bad %-escape keyed by the route', (app: Express) => app.use((req, res, next) => (/%(?![0-9A-F]{2})|%E0%A4%A|%C3%28|%ED/i.test(req.url) ? void res.status(422).json({ summary: 'x', validation_errors: { 'oauth-apps': ["malformed uri'"] } }) : next())), /refused without naming id/],
    ['a body announced over the limit read to its end', (app: Express) => app.use((req, _res, next) => (Number(req.headers['content-length']) > 2 ** 20 ? void req.resume() : next())), /no answer within 3 s|answered \d+, expected 413/],
  ])('%s', async (_name, bug, violation) => {
    const broken = await brokenServer(bug);
    try {
      const report = await runFuzz({ baseUrl: broken.url, token: TOKEN, runs: 200, seed: 4 });
      const f = report.failures.find((x) => x.property === 'input found from outside is refused as documented');
      expect(f?.violations, formatFuzzReport(report, broken.url)).toMatch(violation);
    } finally {
      broken.close();
    }
  }, 60_000);

  it('a leaked secret', async () => {
    const broken = await brokenServer((app) =>
      app.use(express.json(), (req, res, next) => {
        const json = res.json.bind(res);
        res.json = (body: any) => json(req.method === 'POST' && body?.client_secret ? { ...body, client_secret: req.body.client_secret } : body);
        next();
      }),
    );
    try {
      const report = await runFuzz({ baseUrl: broken.url, token: TOKEN, runs: 100, seed: 3 });
      expect(report.secretScan.leaks.length).toBeGreaterThan(0);
    } finally {
      broken.close();
    }
  });
});
