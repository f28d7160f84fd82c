import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFuzzReport, runFuzz } from '../../src/fuzz/run.js';
import { createApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
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
