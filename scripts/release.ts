// Releases the contract: sets info.version to what the changes since the last release demand
// (or keeps a higher one set by hand), regenerates the generated files, replaces the released bundle,
// adds the entry to CHANGELOG.md and empties the list of accepted changes.
//
//   npm run release [-- --notes "One sentence for the changelog."] [--date YYYY-MM-DD] [--dry-run]
//
// Works on the checkout it is run in (the current directory); commit what it changed.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  acceptedChangesFile,
  bundleApi,
  diffContracts,
  nextVersion,
  parseVersion,
  readAccepted,
  releasedSpec,
  type ContractDiff,
  type Finding,
} from './contract-diff.js';

const root = 'openapi/openapi.yaml';
const changelog = 'CHANGELOG.md';
const ACCEPTED_HEADER = `# Changes since the last release that \`redocly diff\` rates major but that a reviewer judged
# safe for every client. Each entry: rule and pointer as \`npm run diff\` prints them, and the
# reason (it goes into the changelog). \`npm run release\` empties this list.
`;

function main() {
  const { values } = parseArgs({ options: { notes: { type: 'string' }, date: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
  const date = values.date ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`--date '${date}' is not YYYY-MM-DD`);

  const bundled = bundleApi();
  try {
    const d = diffContracts(releasedSpec, bundled.file, readAccepted());
    if (d.bump === 'none') return void console.log(`Nothing to release: the contract is the released ${d.baseVersion}.`);
    const demanded = nextVersion(d.baseVersion, d.bump);
    // A version raised by hand beyond what the changes demand is kept (e.g. a major chosen early).
    const version = higher(d.revisionVersion, demanded);
    const entry = changelogEntry(version, date, d, values.notes);
    if (values['dry-run']) return void console.log(`Would release ${version}:\n\n${entry}`);

    setInfoVersion(version);
    execFileSync(process.execPath, ['scripts/generate.mjs'], { stdio: 'inherit' });
    // The released copy is the bundle of exactly what was released, version included.
    const released = bundleApi();
    try {
      copyFileSync(released.file, releasedSpec);
    } finally {
      released.cleanup();
    }
    const log = readFileSync(changelog, 'utf8');
    const first = log.search(/^## /m);
    writeFileSync(changelog, first < 0 ? `${log.trimEnd()}\n\n${entry}` : `${log.slice(0, first)}${entry}\n${log.slice(first)}`);
    writeFileSync(acceptedChangesFile, `${ACCEPTED_HEADER}[]\n`);
    console.log(`Released ${version} (${d.bump} changes since ${d.baseVersion}): ${root}, generated/, ${releasedSpec}, ${changelog}, ${acceptedChangesFile}. Commit them.`);
  } finally {
    bundled.cleanup();
  }
}

function higher(a: string, b: string): string {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]! ? a : b;
  return a;
}

/** info.version in the root file, changed in place so that comments and layout stay as written. */
function setInfoVersion(version: string) {
  const text = readFileSync(root, 'utf8');
  const updated = text.replace(/^(info:\n(?:[ \t]+.*\n|\n)*?[ \t]+version:[ \t]*)(\S.*)$/m, `$1${version}`);
  if (updated === text && !text.includes(`version: ${version}`)) throw new Error(`${root}: info.version not found`);
  writeFileSync(root, updated);
}

/** `## <version> — <date>`, a sentence on what the release means for clients, then the changes. */
function changelogEntry(version: string, date: string, d: ContractDiff, notes?: string): string {
  const meaning = {
    major: 'A **breaking** release: clients must be checked against the changes marked breaking below.',
    minor: 'Additions only: existing clients keep working.',
    patch: 'Nothing a client relies on changed.',
  }[d.bump === 'none' ? 'patch' : d.bump];
  const bullets: string[] = [];
  const of = (pred: (f: Finding) => boolean) => d.findings.filter(pred);
  for (const f of of((f) => f.impact === 'major' && !f.accepted)) bullets.push(`- **Breaking:** ${f.message}`);
  for (const f of of((f) => f.impact === 'major' && !!f.accepted)) bullets.push(`- ${f.message} Not breaking: ${f.accepted}`);
  for (const f of of((f) => f.impact === 'minor')) bullets.push(`- ${f.message}`);
  const patches = of((f) => f.impact === 'patch');
  if (patches.length) {
    const kinds = new Map<string, number>();
    for (const f of patches) {
      const what = /`(\w+)` of/.exec(f.message)?.[1] ?? 'other details';
      kinds.set(what, (kinds.get(what) ?? 0) + 1);
    }
    bullets.push(`- Documentation and details: ${[...kinds].map(([k, n]) => `${k} (${n})`).join(', ')}.`);
  }
  return [`## ${version} — ${date}`, '', ...(notes ? [notes.trim(), ''] : []), meaning, '', ...bullets, ''].join('\n');
}

try {
  main();
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}
