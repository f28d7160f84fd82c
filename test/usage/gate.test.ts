import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { releasedSpec } from '../../scripts/contract-diff.js';
import { packageRoot } from '../../src/paths.js';
import type { Break, CheckReport } from '../../src/usage/check.js';
import { touches, usageImpact, type DiffFinding } from '../../src/usage/gate.js';
import { onPostgres } from '../helpers/database.js';

const brk = (over: Partial<Break>): Break => ({ consumer: 'web-app', kind: 'response-undescribed', file: 'u.json', index: 0, exchange: 'GET /v1/oauth-apps → 200', method: 'GET', path: '/v1/oauth-apps', message: 'm', at: [], ...over });
const finding = (pointer: string, impact: DiffFinding['impact'] = 'major'): DiffFinding => ({ impact, pointer, message: pointer, rule: 'r' });

describe('which breaking change a break of recorded usage is', () => {
  it('matches the same location, one inside it, one containing it; a removed operation by its template', () => {
    expect(touches(finding('#/components/schemas/Provider/enum'), brk({ at: ['#/components/schemas/Provider/enum', '#/components/schemas/Provider'] }))).toBe(true);
    expect(touches(finding('#/components/schemas/Provider/enum/3'), brk({ at: ['#/components/schemas/Provider/enum'] }))).toBe(true);
    expect(touches(finding('#/components/schemas/OauthApp/properties/updated_at'), brk({ at: ['#/components/schemas/OauthApp/properties/updated_at'] }))).toBe(true);
    expect(touches(finding('#/paths/~1v1~1oauth-apps/get/parameters/1'), brk({ kind: 'request-refused', at: ['#/paths/~1v1~1oauth-apps/get/parameters'] }))).toBe(true);
    const gone = brk({ kind: 'operation-gone', method: 'DELETE', path: '/v1/oauth-apps/8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8', at: ['#/paths/~1v1~1oauth-apps~18ff58ef0-d376-4ae8-b2e2-9f0206aa65b8/delete'] });
    expect(touches(finding('#/paths/~1v1~1oauth-apps~1{id}/delete'), gone)).toBe(true);
    expect(touches(finding('#/paths/~1v1~1oauth-apps~1{id}'), gone)).toBe(true);
    expect(touches(finding('#/paths/~1v1~1oauth-apps~1{id}/get'), gone)).toBe(false);
    // A sibling is another change: the name's limit is not the provider's enum.
    expect(touches(finding('#/components/schemas/OauthApp/properties/name'), brk({ at: ['#/components/schemas/OauthApp/properties/provider'] }))).toBe(false);
    expect(touches(finding('#/components/schemas/Provider/enum'), brk({ at: ['#/components/schemas/HealthStatus/enum'] }))).toBe(false);
  });

  it('sorts findings into used (with consumers), unused, and breaks no breaking finding accounts for', () => {
    const report: CheckReport = {
      spec: 'r',
      exchanges: new Map([['web-app', 2], ['admin-ui', 1]]),
      breaks: [
        brk({ at: ['#/components/schemas/Provider/enum'] }),
        brk({ consumer: 'admin-ui', at: ['#/components/schemas/Provider/enum'] }),
        brk({ index: 1, at: ['#/components/schemas/HealthStatus/enum'] }),
      ],
    };
    const impact = usageImpact([finding('#/components/schemas/Provider/enum'), finding('#/paths/~1v1~1oauth-apps/get/parameters/1'), finding('#/components/schemas/HealthStatus/enum', 'patch')], report);
    expect(impact.used.map((u) => [u.finding.pointer, u.consumers])).toEqual([['#/components/schemas/Provider/enum', ['admin-ui', 'web-app']]]);
    expect(impact.unused.map((f) => f.pointer)).toEqual(['#/paths/~1v1~1oauth-apps/get/parameters/1']);
    expect(impact.unrated.map((b) => b.at[0])).toEqual(['#/components/schemas/HealthStatus/enum']);
  });
});

// One `redocly diff` run, as a maintainer meets it: `npm run diff` with usage files in a directory.
describe.skipIf(onPostgres)('npm run diff with recorded usage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'usage-gate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the consumers a breaking change touches, the breaking changes touching none, and fails on a "safe" change that breaks usage', () => {
    const spec = YAML.parse(readFileSync(join(packageRoot, releasedSpec), 'utf8')) as any;
    const schemas = spec.components.schemas;
    schemas.Provider.enum = schemas.Provider.enum.filter((p: string) => p !== 'stripe'); // sent and received by web-app
    delete spec.paths['/v1/oauth-apps/{id}'].patch; // used by nobody
    // Health status "error" dropped from responses only (the filter keeps its own list): the
    // diff rates a narrowed response enum safe, but web-app received "error".
    spec.components.parameters.HealthStatusFilter.schema = { type: 'string', enum: ['ok', 'error'] };
    schemas.HealthStatus.enum = ['ok'];
    writeFileSync(join(dir, 'revision.yaml'), YAML.stringify(spec));
    const usage = join(dir, 'usage');
    mkdirSync(usage);
    cpSync(join(packageRoot, 'fixtures', 'usage', 'web-app.json'), join(usage, 'web-app.json'));
    const admin = JSON.parse(readFileSync(join(usage, 'web-app.json'), 'utf8'));
    writeFileSync(join(usage, 'admin-ui.json'), JSON.stringify({ ...admin, consumer: 'admin-ui', exchanges: admin.exchanges.slice(0, 1) }));
    const run = spawnSync('npm', ['run', '--silent', 'diff', '--', '--revision', join(dir, 'revision.yaml'), '--usage', usage], { cwd: packageRoot, encoding: 'utf8', timeout: 120_000 });
    const out = run.stdout + run.stderr;
    expect(out).toContain(`Recorded usage (${usage}/: admin-ui 1, web-app 5):`);
    expect(out).toMatch(/breaking, used by admin-ui, web-app: \[enum-values-removed\] Enum of `Provider` lost values: 'stripe'/);
    expect(out).toMatch(/breaking, no recorded usage: \[operation-removed\] Operation `PATCH \/v1\/oauth-apps\/\{id\}` was removed/);
    expect(out).not.toMatch(/major \[enum-values-removed\] Enum of `HealthStatus`/);
    expect(out).toMatch(/rated safe, but breaks web-app: .*value "error" received at health\.status is not allowed/);
    expect(out).toContain('recorded exchange(s) of web-app break on changes rated safe');
    expect(run.status).toBe(1);
  });
});
