import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { loadSpec, type OpenApiDocument } from '../../src/spec/index.js';
import { checkUsage, type Break } from '../../src/usage/check.js';
import { readUsageFile } from '../../src/usage/format.js';

// The fixture pairs: one recorded usage (fixtures/usage/web-app.json: a filtered list, a get
// of an app in `error` health, a create, a delete, a 404) and, per case, the candidate it is
// replayed against: today's spec with one change.
const fixture = join(packageRoot, 'fixtures', 'usage', 'web-app.json');
const files = [{ file: 'fixtures/usage/web-app.json', usage: readUsageFile(fixture) }];
const schemas = (s: any) => s.components.schemas;
const without = (list: string[], value: string) => list.filter((v) => v !== value);

const cases: { name: string; change(spec: any): void; breaks: Pick<Break, 'kind' | 'index'>[]; at?: string }[] = [
  { name: 'a removed enum value the consumer sent (provider=stripe, in a query) and received', change: (s) => void (schemas(s).Provider.enum = without(schemas(s).Provider.enum, 'stripe')), at: '#/components/schemas/Provider/enum',
    breaks: [{ kind: 'request-refused', index: 0 }, { kind: 'response-undescribed', index: 0 }] },
  { name: 'a removed enum value the consumer sent in a body (hubspot) and received', change: (s) => void (schemas(s).Provider.enum = without(schemas(s).Provider.enum, 'hubspot')), at: '#/components/schemas/Provider/enum',
    breaks: [{ kind: 'request-refused', index: 2 }, { kind: 'response-undescribed', index: 2 }] },
  { name: 'a removed enum value the consumer only received (health error)', change: (s) => void (schemas(s).HealthStatus.enum = ['ok']), at: '#/components/schemas/HealthStatus/enum',
    breaks: [{ kind: 'response-undescribed', index: 1 }] },
  { name: 'a removed enum value nobody used (workday)', change: (s) => void (schemas(s).Provider.enum = without(schemas(s).Provider.enum, 'workday')), breaks: [] },
  { name: 'a removed response field the consumer received (updated_at)', at: '#/components/schemas/OauthApp/properties/updated_at',
    change: (s) => {
      delete schemas(s).OauthApp.properties.updated_at;
      schemas(s).OauthApp.required = without(schemas(s).OauthApp.required, 'updated_at');
    },
    breaks: [0, 1, 2].map((index) => ({ kind: 'response-undescribed' as const, index })) },
  { name: 'a removed optional field never seen (the Error body’s validation_errors: no 422 recorded)', change: (s) => void delete schemas(s).Error.properties.validation_errors, breaks: [] },
  { name: 'a removed operation the consumer used (delete)', change: (s) => void delete s.paths['/v1/oauth-apps/{id}'].delete, at: '#/paths/~1v1~1oauth-apps~1{id}',
    breaks: [{ kind: 'operation-gone', index: 3 }] },
  { name: 'a removed operation nobody used (update)', change: (s) => void delete s.paths['/v1/oauth-apps/{id}'].patch, breaks: [] },
  { name: 'a status the consumer got that is no longer documented (404 of get)', change: (s) => void delete s.paths['/v1/oauth-apps/{id}'].get.responses['404'], at: '#/paths/~1v1~1oauth-apps~1{id}/get/responses/404',
    breaks: [{ kind: 'status-gone', index: 4 }] },
  { name: 'a newly required request field the recorded create lacks (metadata)', change: (s) => void schemas(s).OauthAppCreate.required.push('metadata'), at: '#/components/schemas/OauthAppCreate/required',
    breaks: [{ kind: 'request-refused', index: 2 }] },
  { name: 'a removed query parameter the consumer sent (provider)', change: (s) => void (s.paths['/v1/oauth-apps'].get.parameters = s.paths['/v1/oauth-apps'].get.parameters.filter((p: any) => p.$ref !== '#/components/parameters/ProviderFilter')),
    at: '#/paths/~1v1~1oauth-apps/get/parameters', breaks: [{ kind: 'request-refused', index: 0 }] },
  { name: 'a narrowed constraint the recorded request breaks (name at most 10 characters)', change: (s) => void (schemas(s).OauthAppCreate.properties.name.maxLength = 10), at: '#/components/schemas/OauthAppCreate/properties/name/maxLength',
    breaks: [{ kind: 'request-refused', index: 2 }] },
  { name: 'a response field of another type than received (metadata.custom_property must be text)', change: (s) => void (schemas(s).Metadata = { ...schemas(s).Metadata, properties: { custom_property: { type: 'string' } } }), at: '#/components/schemas/Metadata/properties/custom_property/type',
    breaks: [{ kind: 'response-undescribed', index: 0 }] },
  { name: 'a widened constraint (name up to 1000 characters, one more provider)', change: (s) => {
      schemas(s).OauthAppCreate.properties.name.maxLength = 1000;
      schemas(s).OauthApp.properties.name.maxLength = 1000;
      schemas(s).Provider.enum.push('zendesk');
    }, breaks: [] },
];

describe('usage check, fixture pairs (fixtures/usage/web-app.json against one change each)', () => {
  it('today’s spec describes every recorded exchange', async () => {
    expect((await checkUsage(loadSpec(), files)).breaks).toEqual([]);
  });

  for (const c of cases) {
    it(`${c.breaks.length ? 'reports' : 'does not report'} ${c.name}`, async () => {
      const candidate = structuredClone(loadSpec()) as OpenApiDocument;
      c.change(candidate);
      const report = await checkUsage(candidate, files);
      expect(report.breaks.map((b) => ({ kind: b.kind, index: b.index }))).toEqual(c.breaks);
      for (const b of report.breaks) {
        expect(b.consumer).toBe('web-app');
        if (c.at) expect(b.at[0]!.startsWith(c.at), `${b.message} at ${b.at.join(', ')}`).toBe(true);
      }
    });
  }
});

describe('oauth-apps-api usage check, as a user runs it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'usage-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(packageRoot, 'dist', 'src', 'cli.js'), 'usage', 'check', ...args], { encoding: 'utf8', cwd: packageRoot });

  it('passes (exit 0) against the split spec in openapi/, external $refs and all; a directory is its usage files', () => {
    const run = cli('--spec', 'openapi/openapi.yaml', 'fixtures/usage/web-app.json');
    expect(run.stdout + run.stderr).toContain('web-app: 5 exchange(s), no break');
    expect(run.status).toBe(0);
    const all = cli('--spec', 'openapi/openapi.yaml', 'usage/');
    expect(all.stdout + all.stderr).toMatch(/contract-suite: \d+ exchange\(s\), no break/);
    expect(all.status).toBe(0);
  });

  it('exits 1 naming each break per consumer, its exchange and spec location; JUnit XML on request', () => {
    const candidate = structuredClone(loadSpec()) as any;
    candidate.components.schemas.HealthStatus.enum = ['ok'];
    delete candidate.paths['/v1/oauth-apps/{id}'].delete;
    writeFileSync(join(dir, 'candidate.json'), JSON.stringify(candidate));
    const junit = join(dir, 'reports', 'usage.xml');
    const run = cli('--spec', join(dir, 'candidate.json'), '--reporter', 'junit', '--output', junit, 'fixtures/usage/web-app.json');
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('web-app: 5 exchange(s), 2 break(s)');
    expect(run.stdout).toContain('value "error" received at health.status is not allowed');
    expect(run.stdout).toContain('at #/components/schemas/HealthStatus/enum');
    expect(run.stdout).toMatch(/\[operation-gone\] DELETE \/v1\/oauth-apps\/5e0c7d1a-\S+ \(deleteOauthApp\) matches no operation/);
    expect(run.stdout).toContain('exchange #3 of fixtures/usage/web-app.json: DELETE /v1/oauth-apps/5e0c7d1a-3b2f-4c6d-9e8f-0a1b2c3d4e5f → 200');
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(5);
    expect(xml.match(/<failure /g)).toHaveLength(2);
    expect(xml).toContain('UsageBreak');
  });

  it('refuses bad input with exit 2 and a clear message', () => {
    writeFileSync(join(dir, 'not-usage.json'), JSON.stringify({ hello: 1 }));
    const notUsage = cli('--spec', 'openapi/openapi.yaml', join(dir, 'not-usage.json'));
    expect(notUsage.status).toBe(2);
    expect(notUsage.stderr).toContain('is not a usage file');
    const noSpec = cli('fixtures/usage/web-app.json');
    expect(noSpec.status).toBe(2);
    expect(noSpec.stderr).toContain('check needs --spec CANDIDATE');
    const missing = cli('--spec', join(dir, 'nope.yaml'), 'fixtures/usage/web-app.json');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the candidate spec .*nope\.yaml/);
  });
});
