import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOauthAppsClient } from 'oauth-apps-api-client';
import { formatReport, runContract, runContractSuite, type CaseResult } from '../../src/contract/run.js';
import { cases } from '../../src/contract/suite.js';
import { packageRoot } from '../../src/paths.js';
import { createApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { startPrismMock, startPrismProxy, type RunningPrism } from '../helpers/prism.js';
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
    expect(formatReport(results, s.url).split('\n').at(-1)).toBe(`${results.length} passed, 0 failed, 0 skipped`);
    expect((await s.client.GET('/v1/oauth-apps', {})).data!.data).toEqual([]);
  });

  it('prints a coverage table: each operation × documented status, exercised or not', async () => {
    const run = await runContractSuite({ baseUrl: s.url, token: TOKEN });
    const report = formatReport(run, s.url);
    const create = run.coverage.find((c) => c.operationId === 'createOauthApp')!;
    expect([...create.exercised].sort()).toEqual(expect.arrayContaining(['200', '401', '422']));
    expect(create.exercised.has('500')).toBe(false);
    const table = report.slice(report.indexOf('Coverage'), report.lastIndexOf('\n\n'));
    const header = table.split('\n')[1]!;
    const row = table.split('\n').find((l) => l.startsWith('createOauthApp'))!;
    const cell = (status: string) => row[header.indexOf(status)];
    expect([cell('200'), cell('422'), cell('500')]).toEqual(['✓', '✓', '·']);
    for (const op of ['listOauthApps', 'getOauthApp', 'createOauthApp', 'updateOauthApp', 'deleteOauthApp']) expect(table).toMatch(new RegExp(`^${op} `, 'm'));
    expect(table).toMatch(/^\d+ of \d+ documented responses exercised\.$/m);
  });

  it('with a refused token, says so (not "stateless"), and fails', async () => {
    const run = await runContractSuite({ baseUrl: s.url, token: 'not-the-token' });
    expect(run.tokenRefused).toBe(true);
    const report = formatReport(run, s.url);
    expect(report).toContain('The token was refused');
    expect(report).not.toMatch(/stateless/);
    for (const r of run.results.filter((x) => x.outcome === 'skipped')) expect(r.details[0]).toMatch(/^the token was refused/);
    expect(report.split('\n').at(-1)).toMatch(/^\d+ passed, [1-9]\d* failed, [1-9]\d* skipped$/);
  });
});

describe('the validating proxy in front of the reference server', () => {
  let s: TestServer;
  let proxy: RunningPrism;
  beforeAll(async () => {
    s = await startServer();
    proxy = await startPrismProxy(s.url);
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
    await s?.close();
  });

  it('passes conformant traffic through unchanged, and refuses an invalid request itself', async () => {
    const viaProxy = createOauthAppsClient({ baseUrl: proxy.url, token: TOKEN });
    const created = await viaProxy.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: 'proxied', client_secret: 's', name: 'Proxied' } });
    expect(created.response.status).toBe(200);
    const id = created.data!.id;
    const direct = await s.client.GET('/v1/oauth-apps/{id}', { params: { path: { id } } });
    expect((await viaProxy.GET('/v1/oauth-apps/{id}', { params: { path: { id } } })).data).toEqual(direct.data);
    expect((await viaProxy.PATCH('/v1/oauth-apps/{id}', { params: { path: { id } }, body: { name: 'Renamed' } })).data!.name).toBe('Renamed');
    expect((await viaProxy.GET('/v1/oauth-apps', {})).data!.data.map((a) => a.id)).toEqual([id]);
    expect((await viaProxy.DELETE('/v1/oauth-apps/{id}', { params: { path: { id } } })).data).toEqual({ id, deleted: true });
    // Prism answers a request that breaks the contract itself (problem+json), naming the violation.
    const bad = await fetch(`${proxy.url}/v1/oauth-apps`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"name":1}' });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('sl-violations') ?? (await bad.text())).toMatch(/provider/);
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
    expect(formatReport(results, prism.url).split('\n').at(-1)).toBe(`${count(results, 'passed')} passed, 0 failed, ${skipped.length} skipped`);
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

  it('seen through the validating proxy (prism proxy --errors), the violation is named', async () => {
    const proxy = await startPrismProxy(url);
    try {
      const res = await fetch(`${proxy.url}/v1/oauth-apps`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'stripe', client_id: 'via-proxy', client_secret: 's', name: 'n' }),
      });
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(await res.text()).toMatch(/client_secret/);
    } finally {
      await proxy.stop();
    }
  });

  it('fails, naming the missing field, and the report ends with the counts', async () => {
    const results = await runContract({ baseUrl: url, token: TOKEN });
    const failed = results.filter((r) => r.outcome === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    const report = formatReport(results, url);
    expect(report).toContain('body.client_secret is required but missing');
    expect(report.split('\n').at(-1)).toMatch(new RegExp(`^\\d+ passed, ${failed.length} failed, 0 skipped$`));
  });

  it('as the CLI with --reporter junit: one testcase per check, failures with request, response and schema path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'junit-'));
    try {
      const file = join(dir, 'reports', 'contract.xml');
      // Asynchronously: the server under test lives in this process.
      const child = spawn(process.execPath, [join(packageRoot, 'dist', 'src', 'cli.js'), 'contract', url, '--token', TOKEN, '--reporter', 'junit', '--output', file]);
      const cli = { stdout: '', stderr: '', status: null as number | null };
      child.stdout.on('data', (c: Buffer) => (cli.stdout += c));
      child.stderr.on('data', (c: Buffer) => (cli.stderr += c));
      cli.status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(cli.status, cli.stderr).toBe(1);
      expect(cli.stdout.trimEnd().split('\n').at(-1)).toMatch(/^\d+ passed, [1-9]\d* failed, 0 skipped$/); // the human summary too
      const xml = readFileSync(file, 'utf8');
      expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
      expect(xml.match(/<testcase /g)).toHaveLength(cases.length);
      const failed = Number(/<testsuite [^>]*failures="(\d+)"/.exec(xml)?.[1]);
      expect(failed).toBeGreaterThan(0);
      expect(xml.match(/<failure /g)).toHaveLength(failed);
      const failure = xml.slice(xml.indexOf('<failure '), xml.indexOf('</failure>'));
      expect(failure).toMatch(/body(\.data\[0\])?\.client_secret is required but missing/);
      expect(failure).toContain('schema path: #/components/schemas/OauthApp/required');
      expect(failure).toMatch(/request: GET http:\/\/127\.0\.0\.1:\d+\/v1\/oauth-apps\n/);
      expect(xml).toMatch(/request: POST http:\/\/127\.0\.0\.1:\d+\/v1\/oauth-apps\n\{"provider":"stripe"/); // the body sent, in the failure's CDATA
      expect(failure).toMatch(/response: 200 application\/json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
