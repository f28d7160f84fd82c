/** `oauth-apps-api usage check|export`: the usage-aware gate, and a sandbox journal as a usage file. */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSpecFile } from '../http/validator.js';
import { checkUsage, formatCheck } from './check.js';
import { exportUsage, JournalUnreadable } from './export.js';
import { readUsageFile } from './format.js';

export const USAGE_HELP = `Usage:
  oauth-apps-api usage check --spec CANDIDATE [--reporter junit --output FILE] USAGE_FILE|DIR…
      replays every exchange of the usage files (schema: oauth-apps-api/usage.schema.json)
      (a directory: its *.json) against the candidate OpenAPI file (JSON or YAML) and reports, per consumer, each break:
      an operation or status used that is gone, a recorded request the candidate refuses, a
      recorded response it no longer describes. Exits 1 on any break, 2 on bad input.
  oauth-apps-api usage export --base-url URL [--token T] --consumer NAME [--out FILE]
      writes the whole request journal of the token's sandbox namespace (API_TOKEN when
      --token is not given), oldest first, as NAME's usage file (default usage/NAME.json),
      every client_secret masked, no header kept. Exits 2 on bad input, 1 when the journal
      cannot be read.
`;

class BadInput extends Error {}

const CHECK_OPTIONS = ['spec', 'reporter', 'output'];
const EXPORT_OPTIONS = ['base-url', 'token', 'consumer', 'out'];

export async function usageCommand(argv: string[]): Promise<void> {
  try {
    await run(argv);
  } catch (err) {
    const bad = err instanceof BadInput || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    // A CommandUsageError (from sandboxOf) carries the help already.
    process.stderr.write(`oauth-apps-api usage: ${(err as Error).message}\n${bad ? `\n${USAGE_HELP}` : ''}`);
    process.exitCode = err instanceof JournalUnreadable ? 1 : 2;
  }
}

async function run(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      spec: { type: 'string' },
      reporter: { type: 'string' },
      output: { type: 'string' },
      'base-url': { type: 'string' },
      token: { type: 'string' },
      consumer: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void process.stdout.write(USAGE_HELP);
  const [sub, ...paths] = positionals;
  if (sub !== 'check' && sub !== 'export') throw new BadInput(sub ? `unknown subcommand '${sub}'` : 'which subcommand? (check, export)');
  const foreign = Object.keys(values).filter((k) => !(sub === 'check' ? CHECK_OPTIONS : EXPORT_OPTIONS).includes(k));
  if (foreign.length) throw new BadInput(`${sub} takes no --${foreign[0]}`);
  if (sub === 'export') {
    if (paths.length) throw new BadInput(`export takes no file argument (got '${paths[0]}'; the file is --out)`);
    return exportUsage(values, USAGE_HELP, (message) => new BadInput(message));
  }
  if (!values.spec) throw new BadInput('check needs --spec CANDIDATE (an OpenAPI file)');
  if (!paths.length) throw new BadInput('check needs at least one usage file');
  if (values.reporter !== undefined && values.reporter !== 'junit') throw new BadInput(`unknown --reporter '${values.reporter}' (junit is the one there is)`);
  if (values.reporter === 'junit' && !values.output) throw new BadInput('--reporter junit needs --output FILE');
  // A directory stands for its *.json files (usage/ as the gate reads it).
  const expanded = paths.flatMap((p) => (existsSync(p) && statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.json')).sort().map((f) => join(p, f)) : [p]));
  if (!expanded.length) throw new BadInput(`no usage file in ${paths.join(', ')}`);
  const files = expanded.map((file) => ({ file, usage: readUsageFile(file) }));
  let spec;
  try {
    spec = await loadSpecFile(values.spec);
  } catch (err) {
    throw new Error(`cannot read the candidate spec ${values.spec}: ${(err as Error).message}`);
  }
  const report = await checkUsage(spec, files, values.spec);
  process.stdout.write(`${formatCheck(report)}\n`);
  if (values.reporter === 'junit') {
    const { junitUsageReport } = await import('./junit.js');
    mkdirSync(dirname(values.output!), { recursive: true });
    writeFileSync(values.output!, junitUsageReport(report, files));
    process.stderr.write(`JUnit report written to ${values.output}\n`);
  }
  process.exitCode = report.breaks.length ? 1 : 0;
}
