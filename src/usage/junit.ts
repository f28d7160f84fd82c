import junitModule from 'junit-report-builder';
import { describeExchange, type CheckReport } from './check.js';
import { consumerOf, type UsageFile } from './format.js';

const builder = junitModule as unknown as typeof junitModule.default;

/** The check as JUnit XML: a suite per consumer, a testcase per recorded exchange, a failure per broken one. */
export function junitUsageReport(report: CheckReport, files: { file: string; usage: UsageFile }[]): string {
  const xml = builder.newBuilder();
  const suites = new Map<string, ReturnType<typeof xml.testSuite>>();
  const suiteOf = (consumer: string) => {
    let suite = suites.get(consumer);
    if (!suite) suites.set(consumer, (suite = xml.testSuite().name(`oauth-apps-api usage of ${consumer} against ${report.spec}`).property('consumer', consumer)));
    return suite;
  };
  for (const { file, usage } of files) {
    usage.exchanges.forEach((e, index) => {
      const consumer = consumerOf(usage, e);
      const testCase = suiteOf(consumer).testCase().className(`oauth-apps-api.usage.${consumer}`).name(`#${index} of ${file}: ${describeExchange(e)}`);
      const breaks = report.breaks.filter((b) => b.file === file && b.index === index);
      if (breaks.length) testCase.failure(breaks.map((b) => b.message).join('\n'), 'UsageBreak').stacktrace(breaks.map((b) => `[${b.kind}] ${b.message}\nat ${b.at.join('\n   ')}`).join('\n\n'));
    });
  }
  return xml.build();
}
