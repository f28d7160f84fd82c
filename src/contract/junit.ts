import junitModule from 'junit-report-builder';
import { formatCoverage, type ContractRun, type Failure } from './run.js';

// junit-report-builder is CommonJS (module.exports = the builder); under NodeNext its typings
// describe that as a `default` property.
const builder = junitModule as unknown as typeof junitModule.default;

/**
 * The run as JUnit XML, for CI systems: one testcase per check (case); a failure carries the
 * request, the response and the spec location it broke; a skipped case says why in its output.
 * The checks of responses no case produced have a class of their own, `…contract.steered`, so a
 * CI reader does not take a response a sandbox was asked for for the target's own behaviour.
 */
export function junitReport(run: ContractRun, target: string): string {
  const report = builder.newBuilder();
  const suite = report.testSuite().name(`oauth-apps-api contract suite (${target})`).property('target', target);
  if (run.tokenRefused) suite.property('token', 'refused (401 on the probe)');
  // The totals line of the printed table: "N of M documented responses checked: X by the target's own behaviour, Y steered …".
  const totals = formatCoverage(run.coverage).find((l) => / documented responses checked: /.test(l));
  if (totals) suite.property('coverage', totals);
  for (const r of run.results) {
    const testCase = suite.testCase().className(r.steered ? 'oauth-apps-api.contract.steered' : 'oauth-apps-api.contract').name(r.name).time(r.durationMs / 1000);
    if (r.outcome === 'skipped') testCase.skipped().standardOutput(`skipped: ${r.details.join('; ')}`);
    if (r.outcome === 'failed') {
      testCase.failure(r.failures.map((f) => f.message).join('\n'), 'ContractViolation').stacktrace(r.failures.map(describe).join('\n\n'));
    }
  }
  return report.build();
}

function describe(f: Failure): string {
  const lines = [f.message];
  if (f.schemaPath) lines.push(`schema path: ${f.schemaPath}`);
  if (f.request) lines.push(`request: ${f.request.method} ${f.request.url}${f.request.body ? `\n${f.request.body}` : ''}`);
  if (f.response) lines.push(`response: ${f.response.status} ${f.response.contentType ?? '(no content type)'}\n${f.response.body}`);
  return lines.join('\n');
}
