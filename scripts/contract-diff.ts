// The breaking-change gate: compares the contract with the last released one through
// `redocly diff` (the `diff-recommended` rules, from redocly.yaml) plus this kit's own rule,
// and fails on a major change unless info.version's major number was raised.
//
//   npm run diff                                   openapi/ against openapi/released/openapi.yaml
//   npm run diff -- --base A.yaml --revision B.yaml
//   npm run diff -- --usage DIR                    the recorded usage read (default usage/)
//
// Beside the diff's verdict it replays the usage files committed under usage/ (one per
// consumer: src/usage/format.ts) against the revision and says which breaking changes touch
// recorded usage and which touch none; a change the diff rates safe that breaks a recorded
// exchange fails the gate like a breaking one.
//
// The functions are also used by scripts/release.ts and by the gate's tests.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { loadSpecFile } from '../src/http/validator.js';
import { checkUsage } from '../src/usage/check.js';
import { readUsageFile, type UsageFile } from '../src/usage/format.js';
import { formatUsageImpact, usageImpact, type UsageImpact } from '../src/usage/gate.js';

export type Impact = 'major' | 'minor' | 'patch';
const rank: Record<Impact | 'none', number> = { none: 0, patch: 1, minor: 2, major: 3 };

export interface Finding {
  impact: Impact;
  /** The diff rule that rated it (absent: a change no rule rates, e.g. an added property). */
  rule?: string;
  message: string;
  /** Where the change is, in the revision (or the base, for removals). */
  pointer: string;
  /** The reviewer's reason, when openapi/released/accepted-changes.yaml accepts this major change. */
  accepted?: string;
}

export interface ContractDiff {
  baseVersion: string;
  revisionVersion: string;
  findings: Finding[];
  /** The bump the changes need (accepted majors count as patch). */
  bump: Impact | 'none';
}

export interface AcceptedChange {
  rule: string;
  pointer: string;
  reason: string;
}

/** redocly diff's JSON report (reportVersion 1), the parts used here. */
interface RedoclyChange {
  path: string;
  kind: 'added' | 'removed' | 'modified';
  impact: Impact;
  property?: string;
  verdicts: { ruleId: string; impact: Impact; message: string; location?: { pointer: string } }[];
  base?: { pointer: string; value?: unknown };
  revision?: { pointer: string; value?: unknown };
}

export const releasedSpec = 'openapi/released/openapi.yaml';
export const acceptedChangesFile = 'openapi/released/accepted-changes.yaml';

/** Bundles an API of redocly.yaml (default `main`) into a temporary file, as `npm run generate` does. */
export function bundleApi(api = 'main'): { file: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'contract-diff-'));
  const file = join(dir, 'openapi.yaml');
  redocly(['bundle', api, '--output', file]);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function readAccepted(file = acceptedChangesFile): AcceptedChange[] {
  if (!existsSync(file)) return [];
  const list = (YAML.parse(readFileSync(file, 'utf8')) ?? []) as AcceptedChange[];
  for (const a of list) {
    if (!a?.rule || !a.pointer || !a.reason?.trim()) throw new Error(`${file}: each entry needs rule, pointer and a reason (got ${JSON.stringify(a)})`);
  }
  return list;
}

/** Rates every change from `base` to `revision` (two OpenAPI files). */
export function diffContracts(base: string, revision: string, accepted: AcceptedChange[] = []): ContractDiff {
  const out = redocly(['diff', base, revision, '--format', 'json', '--fail-on', 'none']);
  const report = JSON.parse(out) as { infoVersions: { base: string; revision: string }; changes: RedoclyChange[] };
  const findings: Finding[] = [];
  for (const c of report.changes) {
    const pointer = c.revision?.pointer ?? c.base?.pointer ?? c.path;
    for (const v of c.verdicts) findings.push({ impact: v.impact, rule: v.ruleId, message: v.message, pointer: v.location?.pointer ?? pointer });
    const own = requestDefaultChanged(c);
    if (own) findings.push(own);
    if (!c.verdicts.length && !own) findings.push({ impact: c.impact, message: describe(c), pointer });
  }
  return withAccepted({ baseVersion: report.infoVersions.base, revisionVersion: report.infoVersions.revision, findings, bump: 'none' }, accepted);
}

/** Marks the major findings a reviewer accepted (same rule, same pointer) and rates the whole. */
export function withAccepted(d: ContractDiff, accepted: AcceptedChange[]): ContractDiff {
  const findings = d.findings.map((f) => {
    const reason = f.impact === 'major' ? accepted.find((a) => a.rule === f.rule && a.pointer === f.pointer)?.reason : undefined;
    return { ...f, accepted: reason };
  });
  const bump = findings.reduce<Impact | 'none'>((max, f) => {
    const impact = f.accepted ? 'patch' : f.impact;
    return rank[impact] > rank[max] ? impact : max;
  }, 'none');
  return { ...d, findings, bump };
}

/**
 * This kit's rule, for what diff-recommended rates a patch: a request parameter's (or request
 * field's) `default` changed or dropped. A client that omits the value gets another behaviour
 * (here: `truncate_secrets` defaulting to false would put every secret in every response).
 */
function requestDefaultChanged(c: RedoclyChange): Finding | undefined {
  if (c.kind !== 'modified' || c.property !== 'default' || c.base?.value === undefined) return undefined;
  const inRequest = /\/(parameters|requestBody)\//.test(c.path) || (c.base?.pointer ?? '').startsWith('#/components/parameters/');
  if (!inRequest) return undefined;
  const was = JSON.stringify(c.base.value);
  const now = c.revision?.value === undefined ? 'nothing' : JSON.stringify(c.revision.value);
  return {
    impact: 'major',
    rule: 'request-default-changed',
    message: `The default of ${where(c.path)} changed from ${was} to ${now}: a client that omits it gets another behaviour.`,
    pointer: c.revision?.pointer ?? c.base.pointer,
  };
}

/** "GET /v1/oauth-apps › responses/200/…/properties/color" from a change's path. */
export function where(path: string): string {
  const m = /^#\/paths\/([^/]+)\/(get|put|post|patch|delete|head|options|trace)(?:\/(.*))?$/.exec(path);
  if (!m) return `\`${path}\``;
  const route = `${m[2]!.toUpperCase()} ${m[1]!.replace(/~1/g, '/').replace(/~0/g, '~')}`;
  const rest = (m[3] ?? '').replace(/~1/g, '/').replace(/~0/g, '~');
  return rest ? `\`${route}\` (${rest})` : `\`${route}\``;
}

function describe(c: RedoclyChange): string {
  return `${c.kind[0]!.toUpperCase()}${c.kind.slice(1)} ${c.property ? `\`${c.property}\` of ` : ''}${where(c.path)}.`;
}

export function parseVersion(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v.trim());
  if (!m) throw new Error(`info.version '${v}' is not MAJOR.MINOR.PATCH`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function nextVersion(released: string, bump: Impact): string {
  const [major, minor, patch] = parseVersion(released);
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** The gate's verdict: a major change needs info.version's major number above the released one. */
export function gate(d: ContractDiff): { ok: boolean; reason: string } {
  const [baseMajor] = parseVersion(d.baseVersion);
  const [revMajor] = parseVersion(d.revisionVersion);
  const cmp = compareVersions(d.revisionVersion, d.baseVersion);
  if (cmp < 0) return { ok: false, reason: `info.version ${d.revisionVersion} is lower than the released ${d.baseVersion}.` };
  const breaking = d.findings.filter((f) => f.impact === 'major' && !f.accepted);
  if (breaking.length && revMajor <= baseMajor) {
    return {
      ok: false,
      reason:
        `${breaking.length} breaking change(s) while info.version ${d.revisionVersion} keeps the released major version (${d.baseVersion}).\n` +
        `Undo them; or release them as ${nextVersion(d.baseVersion, 'major')} (\`npm run release\`); or, if a reviewer judges one safe\n` +
        `for every client, add it (rule, pointer, reason) to ${acceptedChangesFile}.`,
    };
  }
  if (d.bump === 'none') return { ok: true, reason: `No change since the released ${d.baseVersion}.` };
  return { ok: true, reason: `Unreleased changes need a ${d.bump} release: ${nextVersion(d.baseVersion, d.bump)} (\`npm run release\`).` };
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

export function formatDiff(d: ContractDiff): string {
  const lines = [`Contract changes since the released ${d.baseVersion} (info.version now ${d.revisionVersion}):`];
  const sorted = [...d.findings].sort((a, b) => rank[b.impact] - rank[a.impact]);
  for (const f of sorted) {
    lines.push(`  ${f.impact.padEnd(5)} ${f.rule ? `[${f.rule}] ` : ''}${f.message}`);
    if (f.impact === 'major') lines.push(`        at ${f.pointer}${f.accepted ? `\n        accepted by review: ${f.accepted}` : ''}`);
  }
  if (!d.findings.length) lines.push('  (none)');
  return lines.join('\n');
}

/** Runs the Redocly CLI of this checkout; a failure throws with its message (less the Node-version banner). */
function redocly(args: string[]): string {
  try {
    return execFileSync(resolve('node_modules', '.bin', 'redocly'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').replace(/^\s*[╔║╚].*$/gm, '').trim();
    throw new Error(`redocly ${args[0]} failed: ${stderr || (err as Error).message}`);
  }
}

/** The usage files of a directory (every *.json), none when it does not exist. */
export function readUsageDir(dir: string): { file: string; usage: UsageFile }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: join(dir, f), usage: readUsageFile(join(dir, f)) }));
}

/** Which findings touch the recorded usage, replayed against the revision file. */
export async function usageOfRevision(d: ContractDiff, revision: string, usage: { file: string; usage: UsageFile }[]) {
  const report = await checkUsage(await loadSpecFile(revision), usage, 'the revision');
  return { report, impact: usageImpact(d.findings, report) };
}

/**
 * The usage gate: a change the diff rated safe (or a reviewer accepted) that breaks a recorded
 * exchange needs a major version as a breaking change does; a breaking change no recorded
 * usage meets still needs one too (gate() says so): shipping it without is a reviewed
 * decision, made in accepted-changes.yaml, which the "no recorded usage" line informs.
 */
export function usageGate(d: ContractDiff, impact: UsageImpact<Finding>): { ok: boolean; reason?: string } {
  const surprising = [...impact.unrated, ...impact.used.filter((u) => u.finding.accepted).flatMap((u) => u.breaks)];
  if (!surprising.length || parseVersion(d.revisionVersion)[0] > parseVersion(d.baseVersion)[0]) return { ok: true };
  const consumers = [...new Set(surprising.map((b) => b.consumer))].join(', ');
  return { ok: false, reason: `${surprising.length} recorded exchange(s) of ${consumers} break on changes rated safe or accepted by review: undo them, or release them as ${nextVersion(d.baseVersion, 'major')}.` };
}

async function main() {
  const { values } = parseArgs({ options: { base: { type: 'string' }, revision: { type: 'string' }, accepted: { type: 'string' }, usage: { type: 'string' } } });
  const bundled = values.revision ? undefined : bundleApi();
  try {
    const revision = values.revision ?? bundled!.file;
    const d = diffContracts(values.base ?? releasedSpec, revision, readAccepted(values.accepted));
    const usageDir = values.usage ?? 'usage';
    const usage = readUsageDir(usageDir);
    const verdict = gate(d);
    const out = [formatDiff(d)];
    let usageVerdict: { ok: boolean; reason?: string } = { ok: true };
    if (usage.length) {
      const { report, impact } = await usageOfRevision(d, revision, usage);
      out.push(formatUsageImpact(impact, report, `${usageDir}/`));
      usageVerdict = usageGate(d, impact);
    } else out.push(`Recorded usage: none (no usage files in ${usageDir}/), so no change is known to touch a consumer.`);
    out.push(`${verdict.ok ? '✓' : '✗'} ${verdict.reason}${usageVerdict.reason ? `\n✗ ${usageVerdict.reason}` : ''}`);
    console.log(out.join('\n\n'));
    process.exitCode = verdict.ok && usageVerdict.ok ? 0 : 1;
  } finally {
    bundled?.cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main().catch((err: Error) => {
    console.error(err.message);
    process.exitCode = 2;
  });
}
