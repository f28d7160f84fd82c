import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { diffContracts, gate, readAccepted, releasedSpec, withAccepted, type ContractDiff } from '../scripts/contract-diff.js';
import { packageRoot } from '../src/paths.js';
import { onPostgres } from './helpers/database.js';

// Fixture pairs: the released contract, and the same contract with one change a client would
// meet. Each change is made on the real released document, so the gate is proven on this
// contract's own shared schemas and parameters, not on a toy spec.
type Spec = Record<string, any>;
const released = YAML.parse(readFileSync(join(packageRoot, releasedSpec), 'utf8')) as Spec;
const schemas = (s: Spec) => s.components.schemas;

const breaking: [string, (s: Spec) => void][] = [
  ['a removed enum value (provider workday)', (s) => void (schemas(s).Provider.enum = schemas(s).Provider.enum.filter((p: string) => p !== 'workday'))],
  ['a removed operation (DELETE /v1/oauth-apps/{id})', (s) => void delete s.paths['/v1/oauth-apps/{id}'].delete],
  ['a removed response field (health.notes)', (s) => {
    delete schemas(s).Health.properties.notes;
    schemas(s).Health.required = schemas(s).Health.required.filter((f: string) => f !== 'notes');
  }],
  ['a newly required request field (metadata on create)', (s) => void schemas(s).OauthAppCreate.required.push('metadata')],
  ['a narrowed request constraint (name maxLength 255 → 100)', (s) => void (schemas(s).OauthAppCreate.properties.name.maxLength = 100)],
  // What diff-recommended rates a patch: caught by this kit's request-default-changed rule.
  ['a changed request default (truncate_secrets defaults to false)', (s) => void (s.components.parameters.TruncateSecrets.schema.default = false)],
];
const compatible: [string, (s: Spec) => void][] = [
  ['an added optional response field', (s) => void (schemas(s).OauthApp.properties.color = { type: 'string', description: 'A display colour.' })],
  ['a new operation (PUT /v1/oauth-apps/{id})', (s) => {
    const item = s.paths['/v1/oauth-apps/{id}'];
    item.put = { ...structuredClone(item.patch), operationId: 'replaceOauthApp' };
  }],
  ['a widened request constraint (name maxLength 255 → 500)', (s) => void (schemas(s).OauthAppCreate.properties.name.maxLength = 500)],
];

// No server, no store: these run in the sqlite project only.
describe.skipIf(onPostgres)('the breaking-change gate (npm run diff)', () => {
  let dir: string;
  const write = (name: string, change: (s: Spec) => void, version?: string) => {
    const spec = structuredClone(released);
    change(spec);
    if (version) spec.info.version = version;
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, YAML.stringify(spec));
    return file;
  };
  const diff = (file: string): ContractDiff => diffContracts(join(packageRoot, releasedSpec), file);
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'gate-'))));
  // Each pair is one `redocly diff` run (seconds each on a busy 2-core machine).
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(breaking)('fails on %s, and passes once the major version is raised', (name, change) => {
    const d = diff(write(name, change));
    expect(d.bump).toBe('major');
    expect(gate(d).ok, JSON.stringify(d.findings)).toBe(false);
    expect(gate({ ...d, revisionVersion: '2.0.0' }).ok).toBe(true);
  });

  it.each(compatible)('passes %s (a minor or patch release)', (name, change) => {
    const d = diff(write(name, change));
    expect(['minor', 'patch']).toContain(d.bump);
    expect(gate(d)).toMatchObject({ ok: true });
  });

  it('counts an accepted change as a patch, only at its pointer, and refuses an entry without a reason', () => {
    // The change 1.1.0 shipped as accepted: a base that still had allowReserved, the released
    // contract (without it) as the revision.
    const base = write('accepted-base', (s) => void (s.components.parameters.MetadataFilter.allowReserved = true));
    const pointer = '#/components/parameters/MetadataFilter';
    const rule = 'parameter-serialization-changed';
    const d = diffContracts(base, join(packageRoot, releasedSpec));
    expect(gate(d).ok).toBe(false);
    const ok = withAccepted(d, [{ rule, pointer, reason: 'invalid in OAS 3.1' }]);
    expect(ok.bump).toBe('patch');
    expect(gate(ok).ok).toBe(true);
    expect(gate(withAccepted(d, [{ rule, pointer: '#/components/parameters/ProviderFilter', reason: 'x' }])).ok).toBe(false);
    const noReason = join(dir, 'no-reason.yaml');
    writeFileSync(noReason, YAML.stringify([{ rule, pointer }]));
    expect(() => readAccepted(noReason)).toThrow(/reason/);
  });

  it('refuses a version lower than the released one', () => {
    expect(gate({ baseVersion: '1.2.0', revisionVersion: '1.1.9', findings: [], bump: 'none' }).ok).toBe(false);
  });

  it('as a command: exits non-zero on a breaking change and names it', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/contract-diff.ts', '--base', releasedSpec, '--revision', write('cli', breaking[1]![1])], { cwd: packageRoot, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toContain('[operation-removed] Operation `DELETE /v1/oauth-apps/{id}` was removed.');
    expect(run.stdout).toMatch(/✗ 1 breaking change/);
  });
});

describe.skipIf(onPostgres)('npm run release, on a temporary copy of the checkout', () => {
  let copy: string;
  const run = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', 'scripts/release.ts', ...args], { cwd: copy, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const read = (f: string) => readFileSync(join(copy, f), 'utf8');
  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'release-'));
    const skip = new Set(['.git', 'node_modules', 'dist', 'build', 'data']);
    cpSync(packageRoot, copy, { recursive: true, filter: (src) => { const parts = src.slice(packageRoot.length + 1).split('/'); return !skip.has(parts[0]!) && !parts.includes('node_modules'); } });
    symlinkSync(join(packageRoot, 'node_modules'), join(copy, 'node_modules'));
  });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  // Each release bundles, diffs and regenerates: minutes on a busy 2-core machine.
  it('releases a new operation as a minor version: info.version, generated files, released copy, changelog, accepted list', { timeout: 240_000 }, () => {
    const baseVersion = (YAML.parse(read(releasedSpec)) as Spec).info.version as string;
    const [major, minor] = baseVersion.split('.').map(Number);
    // A new operation: PUT on the item path, as a path file edit would add it.
    const pathFile = 'openapi/paths/v1_oauth-apps_{id}.yaml';
    const doc = YAML.parseDocument(read(pathFile));
    doc.set('put', { ...(doc.get('patch', true) as YAML.YAMLMap).toJSON(), operationId: 'replaceOauthApp', summary: 'Replace an OAuth app' });
    writeFileSync(join(copy, pathFile), doc.toString());
    const changelogBefore = read('CHANGELOG.md');

    const out = run('--date', '2031-01-02', '--notes', 'Apps can be replaced whole.');
    const version = `${major}.${minor! + 1}.0`;
    expect(out).toContain(`Released ${version}`);
    expect(read('openapi/openapi.yaml')).toMatch(new RegExp(`^  version: ${version.replace(/\./g, '\\.')}$`, 'm'));
    expect((YAML.parse(read('generated/openapi.yaml')) as Spec).info.version).toBe(version);
    const releasedNow = YAML.parse(read(releasedSpec)) as Spec;
    expect(releasedNow.info.version).toBe(version);
    expect(releasedNow.paths['/v1/oauth-apps/{id}'].put.operationId).toBe('replaceOauthApp');
    const changelog = read('CHANGELOG.md');
    const entry = changelog.slice(0, changelog.length - changelogBefore.length + changelogBefore.indexOf('\n## '));
    expect(entry).toMatch(new RegExp(`\n## ${version.replace(/\./g, '\\.')} — 2031-01-02\n\nApps can be replaced whole.\n\nAdditions only`));
    expect(entry).toContain('Added `PUT /v1/oauth-apps/{id}`.');
    expect(changelog.endsWith(changelogBefore.slice(changelogBefore.indexOf('\n## ')))).toBe(true); // older entries kept, below
    expect(YAML.parse(read('openapi/released/accepted-changes.yaml'))).toEqual([]);
    // Released: the gate sees nothing left, and a second release has nothing to do.
    expect(execFileSync(process.execPath, ['--import', 'tsx', 'scripts/contract-diff.ts'], { cwd: copy, encoding: 'utf8' })).toContain(`No change since the released ${version}`);
    expect(run()).toContain('Nothing to release');
  });

  it('releases a breaking change as the next major version', { timeout: 240_000 }, () => {
    const file = 'openapi/components/schemas/Provider.yaml';
    writeFileSync(join(copy, file), read(file).replace(/^ {2}- workday\n/m, ''));
    const before = (YAML.parse(read(releasedSpec)) as Spec).info.version as string;
    const next = `${Number(before.split('.')[0]) + 1}.0.0`;
    expect(run('--dry-run')).toContain(`Would release ${next}`);
    expect(run('--date', '2031-02-03')).toContain(`Released ${next}`);
    expect(read('CHANGELOG.md')).toMatch(new RegExp(`## ${next.replace(/\./g, '\\.')} — 2031-02-03\n\nA \\*\\*breaking\\*\\* release[^\n]*\n\n- \\*\\*Breaking:\\*\\* Enum of \`Provider\` lost values: 'workday'\\.`));
  });
});
