import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, runContract, type CaseResult } from '../../src/contract/run.js';
import { createApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { startPrismMock, type RunningPrism } from '../helpers/prism.js';
import { startServer, TOKEN, type TestServer } from '../helpers/server.js';

const count = (results: CaseResult[], outcome: CaseResult['outcome']) => results.filter((r) => r.outcome === outcome).length;

describe('contract suite against the reference server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('passes every case, stateful ones included, and leaves nothing behind', async () => {
    const results = await runContract({ baseUrl: s.url, token: TOKEN });
    expect(results.filter((r) => r.outcome !== 'passed'), formatReport(results, s.url)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(12);
    expect(formatReport(results, s.url).split('\n').at(-1)).toBe(`${results.length} passed, 0 failed`);
    expect((await s.client.GET('/v1/oauth-apps', {})).data!.data).toEqual([]);
  });
});

describe('contract suite against the Prism mock', () => {
  let prism: RunningPrism;
  beforeAll(async () => {
    prism = await startPrismMock();
  }, 60_000);
  afterAll(() => prism?.stop());

  it('passes its stateless part and skips the stateful part with a reason', async () => {
    const results = await runContract({ baseUrl: prism.url, token: 'any' });
    expect(count(results, 'failed'), formatReport(results, prism.url)).toBe(0);
    expect(count(results, 'passed')).toBeGreaterThanOrEqual(6);
    const skipped = results.filter((r) => r.outcome === 'skipped');
    expect(skipped.length).toBeGreaterThanOrEqual(5);
    for (const r of skipped) expect(r.details[0]).toMatch(/stateless/);
  });
});

describe('contract suite against a broken server', () => {
  // The reference server with response validation off and one deliberate bug: apps lose
  // their client_secret on the way out.
  let url: string;
  let close: () => void;
  beforeAll(async () => {
    const inner = createApp({ store: new SqliteStore(':memory:'), token: TOKEN, validateResponses: false, logger: createLogger({ level: 'silent', destination: { write: () => undefined } }) });
    const broken = express();
    broken.use((_req, res, next) => {
      const json = res.json.bind(res);
      res.json = (body: any) => {
        for (const app of body?.data ?? [body]) if (app && typeof app === 'object') delete app.client_secret;
        return json(body);
      };
      next();
    });
    broken.use(inner);
    const server = broken.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  it('fails, naming the missing field, and the report ends with the counts', async () => {
    const results = await runContract({ baseUrl: url, token: TOKEN });
    const failed = results.filter((r) => r.outcome === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    const report = formatReport(results, url);
    expect(report).toContain('body.client_secret is required but missing');
    expect(report.split('\n').at(-1)).toMatch(new RegExp(`^\\d+ passed, ${failed.length} failed$`));
  });
});
