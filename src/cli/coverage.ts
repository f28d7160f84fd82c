import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import junitModule from 'junit-report-builder';
import { coverage, type Coverage } from 'oauth-apps-api-client/sandbox';
import { CommandUsageError, usageError, readFailure, sandboxOf } from '../command-args.js';

// CommonJS (module.exports = the builder): under NodeNext its typings call that `default`.
const builder = junitModule as unknown as typeof junitModule.default;

export const USAGE = `Usage: oauth-apps-api coverage --base-url URL [--token T] [--min PERCENT] [--reporter junit --output FILE]

Prints which operation x documented status pairs the sandbox's request journal shows answered
(of the namespace the token opens; API_TOKEN when --token is not given), the statuses answered
that the spec does not document, and the percentage. Exits 1 when under --min.`;

/** `oauth-apps-api coverage`: the journal's coverage of the contract, as a table, optionally JUnit XML. */
export async function run(argv: string[]): Promise<number> {
  const { values } = (() => {
    try {
      return parseArgs({ args: argv, options: { 'base-url': { type: 'string' }, token: { type: 'string' }, min: { type: 'string' }, reporter: { type: 'string' }, output: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    } catch (err) {
      throw usageError(err, USAGE);
    }
  })();
  if (values.help) return void process.stdout.write(`${USAGE}\n`), 0;
  const min = values.min === undefined ? undefined : Number(values.min);
  if (min !== undefined && (!/^\d+(\.\d+)?$/.test(values.min!) || min > 100)) throw new CommandUsageError(`invalid --min '${values.min}' (a percentage from 0 to 100)\n\n${USAGE}`);
  if (values.reporter !== undefined && values.reporter !== 'junit') throw new CommandUsageError(`unknown --reporter '${values.reporter}' (junit is the one there is)\n\n${USAGE}`);
  if (values.reporter === 'junit' && !values.output) throw new CommandUsageError(`--reporter junit needs --output FILE\n\n${USAGE}`);
  const { client, baseUrl } = sandboxOf(values, USAGE);
  const report = await coverage(client).catch((err: unknown) => {
    throw readFailure(err, baseUrl);
  });
  process.stdout.write(`${formatCoverage(report, baseUrl)}\n`);
  if (values.reporter === 'junit') {
    mkdirSync(dirname(values.output!), { recursive: true });
    writeFileSync(values.output!, junitCoverage(report, baseUrl, min));
    process.stderr.write(`JUnit report written to ${values.output}\n`);
  }
  if (min !== undefined && report.percent < min) {
    process.stderr.write(`coverage ${report.percent}% is under --min ${min}%\n`);
    return 1;
  }
  return 0;
}

/** One line per operation: the statuses reached (with counts) and those not reached; then the totals. */
export function formatCoverage(c: Coverage, target: string): string {
  const width = Math.max(...c.operations.map((o) => `${o.operation_id}  ${o.method} ${o.path}`.length));
  const lines = [`Contract coverage of ${target}'s request journal (${c.requests} request${c.requests === 1 ? '' : 's'}):`];
  for (const o of c.operations) {
    const reached = o.statuses.filter((s) => s.count > 0);
    const missed = o.statuses.filter((s) => s.count === 0);
    const head = `${o.operation_id}  ${o.method} ${o.path}`.padEnd(width);
    const parts = [`${reached.length}/${o.statuses.length}`];
    if (reached.length) parts.push(`reached ${reached.map((s) => `${s.status}×${s.count}`).join(' ')}`);
    if (missed.length) parts.push(`not reached ${missed.map((s) => s.status).join(' ')}`);
    lines.push(`  ${head}  ${parts.join('  ')}`);
  }
  if (c.undocumented.length) {
    lines.push('Answered but not documented:');
    for (const u of c.undocumented) lines.push(`  ${u.operation_id ?? '(no such route)'}  ${u.status}×${u.count}`);
  }
  lines.push(`${c.covered} of ${c.documented} documented responses reached (${c.percent}%)`);
  return lines.join('\n');
}

/** JUnit XML: a passing case per reached pair, a skipped one per pair not reached, a failing one when under `min`. */
export function junitCoverage(c: Coverage, target: string, min: number | undefined): string {
  const report = builder.newBuilder();
  const suite = report.testSuite().name(`oauth-apps-api coverage (${target})`).property('target', target).property('coverage', `${c.covered} of ${c.documented} (${c.percent}%)`);
  for (const o of c.operations) {
    for (const s of o.statuses) {
      const testCase = suite.testCase().className('oauth-apps-api.coverage').name(`${o.operation_id} ${s.status}`);
      if (s.count === 0) testCase.skipped().standardOutput(`not reached: no journaled ${o.method} ${o.path} was answered ${s.status}`);
      else testCase.standardOutput(`${s.count} journaled request${s.count === 1 ? '' : 's'}`);
    }
  }
  if (min !== undefined) {
    const gate = suite.testCase().className('oauth-apps-api.coverage').name(`coverage at least ${min}%`);
    if (c.percent < min) gate.failure(`coverage ${c.percent}% is under ${min}%`, 'CoverageBelowMinimum');
  }
  return report.build();
}
