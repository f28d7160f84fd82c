import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOauthAppsClient } from 'oauth-apps-api-client';
import { junitReport } from '../../src/contract/junit.js';
import { formatReport, runContract, runContractSuite, type CaseResult, type ContractRun } from '../../src/contract/run.js';
import { cases } from '../../src/contract/suite.js';
import { packageRoot } from '../../src/paths.js';
import { createApp } from '../../src/app/app.js';
import { createLogger } from '../../src/http/logger.js';
import { loadSpec } from '../../src/spec/index.js';
import { operationsById } from '../../src/spec/operations.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { startPrismMock, startPrismProxy, type RunningPrism } from '../helpers/prism.js';
import { startServer, TOKEN, type TestServer } from '../helpers/server.js';

const count = (results: CaseResult[], outcome: CaseResult['outcome']) => results.filter((r) => r.outcome === outcome).length;

// Every documented (operation × status) response, read from the bundled spec here rather than
// counted by hand: a status added to the spec must show up in the table without a test edit.
const documented = [...operationsById(loadSpec()).values()].flatMap((op) => op.statuses.map((status) => `${op.operationId} ${status}`));
const reached = (run: ContractRun, how: 'exercised' | 'steered') => run.coverage.flatMap((c) => [...c[how]].map((s) => `${c.operationId} ${s}`));
/** The coverage section of a printed report (from its title to the blank line before the counts). */
const coverageTable = (report: string) => report.slice(report.indexOf('Coverage ('), report.lastIndexOf('\n\n'));

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

  it('prints a coverage table: each operation × documented status, by the target itself or steered', async () => {
    const run = await runContractSuite({ baseUrl: s.url, token: TOKEN });
    const report = formatReport(run, s.url);
    const create = run.coverage.find((c) => c.operationId === 'createOauthApp')!;
    expect([...create.exercised].sort()).toEqual(expect.arrayContaining(['200', '401', '422']));
    // A 500 the sandbox was asked for is never counted as the server producing one.
    expect(create.exercised.has('500')).toBe(false);
    expect(create.steered.has('500')).toBe(true);
    const table = coverageTable(report);
    const header = table.split('\n')[1]!;
    const row = table.split('\n').find((l) => l.startsWith('createOauthApp'))!;
    const cell = (status: string) => row[header.indexOf(status)];
    expect([cell('200'), cell('422'), cell('500')]).toEqual(['✓', '✓', '~']);
    for (const op of ['listOauthApps', 'getOauthApp', 'createOauthApp', 'updateOauthApp', 'deleteOauthApp']) expect(table).toMatch(new RegExp(`^${op} `, 'm'));
  });

  it('with the sandbox on, reaches every documented response: the real ones by cases, the rest steered in a namespace of its own, then deleted', async () => {
    const namespacesBefore = (await s.raw('/__sandbox/namespaces').then((r) => r.json())).data;
    const run = await runContractSuite({ baseUrl: s.url, token: TOKEN });
    const report = formatReport(run, s.url);
    expect(run.results.filter((r) => r.outcome !== 'passed'), report).toEqual([]);
    const own = reached(run, 'exercised');
    const steered = reached(run, 'steered');
    expect([...own, ...steered].sort()).toEqual([...documented].sort());
    expect(own.filter((r) => steered.includes(r))).toEqual([]); // each counted once, as what it was
    expect(own).toEqual(expect.arrayContaining(['listOauthApps 200', 'createOauthApp 422', 'getOauthApp 404']));
    // The refusals any server makes itself come from cases, not from steering.
    expect(own).toEqual(expect.arrayContaining(['listOauthApps 422', 'updateOauthApp 422', 'createOauthApp 415', 'updateOauthApp 415']));
    expect(steered).toEqual(expect.arrayContaining(['listOauthApps 403', 'createOauthApp 429', 'getOauthApp 500', 'deleteOauthApp 504']));
    const table = coverageTable(report);
    expect(table).toContain(`${documented.length} of ${documented.length} documented responses checked: ${own.length} by the target's own behaviour, ${steered.length} steered through the sandbox.`);
    expect(table.split('\n').slice(2).filter((l) => l.includes('·'))).toEqual([]); // no cell unreached (the legend has the mark too)
    expect(table).not.toMatch(/Not reached/);
    // One check per steered response, each through its examples and a fault, in a namespace of the suite's own.
    const checks = run.results.filter((r) => r.steered && !r.name.startsWith('sandbox:'));
    expect(checks.map((r) => r.name.split(':')[0]).sort()).toEqual([...steered].sort());
    expect(checks.find((r) => r.name.startsWith('updateOauthApp 504:'))!.name).toBe('updateOauthApp 504: steered (Prefer: code=504 with example ErrorGatewayTimeout; a fault for the next call)');
    expect(report).toContain("✓ sandbox: steering in a namespace of the suite's own (deleted at the end), with Prefer and faults");
    expect((await s.raw('/__sandbox/namespaces').then((r) => r.json())).data).toEqual(namespacesBefore);
    expect((await s.raw('/__sandbox/faults').then((r) => r.json())).data).toEqual([]); // the default namespace got no fault
    // JUnit carries the steered checks too, in a class of their own, and the totals.
    const xml = junitReport(run, s.url);
    expect(xml.match(/<testcase classname="oauth-apps-api\.contract\.steered"/g)).toHaveLength(checks.length + 1);
    expect(xml).toContain(`<property name="coverage" value="${documented.length} of ${documented.length} documented responses checked: ${own.length} by the target's own behaviour, ${steered.length} steered through the sandbox."/>`);
  });

  it('checks each steered answer against its schema: an off-contract one fails, naming the field', async () => {
    // The sandbox's 504s lose their summary on the way back; real behaviour never produces a 504.
    const mangling = async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await fetch(input, init);
      if (res.status !== 504) return res;
      return new Response(JSON.stringify({ error: 'timeout' }), { status: 504, headers: { 'content-type': 'application/json' } });
    };
    const run = await runContractSuite({ baseUrl: s.url, token: TOKEN, fetch: mangling });
    const failed = run.results.filter((r) => r.outcome === 'failed');
    expect(failed.map((r) => r.name.split(':')[0]).sort()).toEqual(documented.filter((d) => d.endsWith(' 504')).sort());
    for (const r of failed) expect(r.steered).toBe(true);
    expect(failed[0]!.details.join('\n')).toMatch(/→ 504: body\.summary is required but missing/);
  });

  it('--no-steer (steer: false) asks the sandbox for nothing and names what it did not reach', async () => {
    const run = await runContractSuite({ baseUrl: s.url, token: TOKEN, steer: false });
    expect(reached(run, 'steered')).toEqual([]);
    const notReached = run.results.filter((r) => r.steered && r.outcome === 'skipped' && r.name.endsWith(': not reached'));
    expect(notReached.length).toBe(documented.length - reached(run, 'exercised').length);
    for (const r of notReached) expect(r.details[0]).toBe('steering was turned off (--no-steer), and no case produced it');
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

describe('contract suite against the reference server with the sandbox off (no /__sandbox)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ config: { sandbox: false } });
  });
  afterAll(() => s.close());

  it('checks what its cases reach, steers nothing, and names every response it could not reach', async () => {
    const run = await runContractSuite({ baseUrl: s.url, token: TOKEN });
    const report = formatReport(run, s.url);
    expect(count(run.results, 'failed'), report).toBe(0);
    expect(reached(run, 'steered')).toEqual([]);
    const own = reached(run, 'exercised');
    const missing = documented.filter((d) => !own.includes(d));
    expect(missing).toEqual(expect.arrayContaining(['listOauthApps 403', 'createOauthApp 500', 'deleteOauthApp 504']));
    // One skipped check per response not reached, with the reason, in the report and in JUnit.
    const notReached = run.results.filter((r) => r.outcome === 'skipped' && r.name.endsWith(': not reached'));
    expect(notReached.map((r) => r.name.replace(/: not reached$/, '')).sort()).toEqual([...missing].sort());
    for (const r of notReached) expect(r.details[0]).toBe('the target is no sandbox (GET /__sandbox/faults answered 404), and no case produced it');
    const table = coverageTable(report);
    expect(table).toContain(`${own.length} of ${documented.length} documented responses checked: ${own.length} by the target's own behaviour, 0 steered through the sandbox.`);
    const listed = /^Not reached \((\d+)\): (.*)\.$/m.exec(table);
    expect(Number(listed?.[1])).toBe(missing.length);
    const named = listed![2]!.split('; ').flatMap((group) => group.split(' ').slice(1).map((status) => `${group.split(' ')[0]} ${status}`));
    expect(named.sort()).toEqual([...missing].sort());
    expect(report).toContain(`- ${missing.length} not reached: the target is no sandbox (GET /__sandbox/faults answered 404), and no case produced it`);
    expect(junitReport(run, s.url).match(/<testcase classname="oauth-apps-api\.contract\.steered"[^>]*>\s*<skipped\/>/g)).toHaveLength(missing.length + 1);
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
    const stateful = skipped.filter((r) => !r.steered);
    expect(stateful.length).toBeGreaterThanOrEqual(5);
    for (const r of stateful) expect(r.details[0]).toMatch(/stateless/);
    // Prism has no /__sandbox: the responses no case reached are named, never steered.
    const notReached = skipped.filter((r) => r.steered);
    expect(notReached.length).toBeGreaterThan(0);
    for (const r of notReached) expect(r.details[0]).toMatch(/^the target is no sandbox \(GET \/__sandbox\/faults answered 404\)/);
    expect(formatReport(results, prism.url).split('\n').at(-1)).toBe(`${count(results, 'passed')} passed, 0 failed, ${skipped.length} skipped`);
  });

  it('names, in the coverage table, each documented response it could not reach', async () => {
    const run = await runContractSuite({ baseUrl: prism.url, token: 'any' });
    const own = reached(run, 'exercised');
    expect(reached(run, 'steered')).toEqual([]);
    const table = coverageTable(formatReport(run, prism.url));
    const missing = documented.filter((d) => !own.includes(d));
    expect(missing).toEqual(expect.arrayContaining(['getOauthApp 404', 'createOauthApp 500'])); // a stateless mock never reaches the 404 of a deleted app
    expect(table).toContain(`${own.length} of ${documented.length} documented responses checked`);
    expect(table).toContain(`Not reached (${missing.length}): `);
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
    // Skipped: the responses it could not reach (no sandbox), never a case.
    const skipped = results.filter((r) => r.outcome === 'skipped');
    for (const r of skipped) expect(r.steered).toBe(true);
    expect(report.split('\n').at(-1)).toBe(`${count(results, 'passed')} passed, ${failed.length} failed, ${skipped.length} skipped`);
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
      const summary = /^(\d+) passed, ([1-9]\d*) failed, ([1-9]\d*) skipped$/.exec(cli.stdout.trimEnd().split('\n').at(-1)!); // the human summary too
      expect(summary, cli.stdout).not.toBeNull();
      const xml = readFileSync(file, 'utf8');
      expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
      // One testcase per case, plus the sandbox probe and each response not reached (this target has no sandbox).
      const checks = Number(summary![1]) + Number(summary![2]) + Number(summary![3]);
      expect(xml.match(/<testcase classname="oauth-apps-api\.contract"/g)).toHaveLength(cases.length);
      expect(xml.match(/<testcase classname="oauth-apps-api\.contract\.steered"/g)).toHaveLength(checks - cases.length);
      expect(xml).toMatch(/name="deleteOauthApp 504: not reached"[^>]*>\s*<skipped\/>\s*<system-out>\s*<!\[CDATA\[skipped: the target is no sandbox/);
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
