/**
 * The usage side of the breaking-change gate (`npm run diff`): which of the diff's findings
 * touch recorded usage, which touch none, and which breaks of recorded usage no finding
 * rated breaking. Pure: the diff and the replay are made by the caller.
 */
import type { Break, CheckReport } from './check.js';
import { templatePattern } from './locations.js';

/** A finding of scripts/contract-diff.ts, the parts read here. */
export interface DiffFinding {
  impact: 'major' | 'minor' | 'patch';
  rule?: string;
  message: string;
  pointer: string;
  accepted?: string;
}

export interface UsageImpact<F extends DiffFinding = DiffFinding> {
  /** Breaking findings that break some recorded exchange, with the consumers whose exchanges they break. */
  used: { finding: F; consumers: string[]; breaks: Break[] }[];
  /** Breaking findings no recorded exchange meets. */
  unused: F[];
  /** Breaks of recorded usage that no breaking finding accounts for (the diff rated the change safe). */
  unrated: Break[];
}

/**
 * A finding and a break are the same change when the break's most specific location is the
 * finding's, lies inside it (a removed property, a removed operation), or contains it
 * (`…/Provider/enum/3` inside `…/Provider/enum`). A removed operation is also matched by the
 * recorded path: the base spec's template (in the finding's pointer) matches the path sent.
 */
export function touches(finding: DiffFinding, b: Break): boolean {
  const at = b.at[0] ?? '';
  const f = finding.pointer;
  if (f === at || f.startsWith(`${at}/`) || at.startsWith(`${f}/`)) return true;
  if (b.kind !== 'operation-gone') return false;
  const m = /^#\/paths\/([^/]+)(?:\/([a-z]+))?$/.exec(f);
  if (!m) return false;
  const template = m[1]!.replace(/~1/g, '/').replace(/~0/g, '~');
  return templatePattern(template).test(b.path) && (!m[2] || m[2].toUpperCase() === b.method);
}

export function usageImpact<F extends DiffFinding>(findings: F[], report: CheckReport): UsageImpact<F> {
  const breaking = findings.filter((f) => f.impact === 'major');
  const used: UsageImpact<F>['used'] = [];
  const unused: F[] = [];
  const accounted = new Set<Break>();
  for (const finding of breaking) {
    const breaks = report.breaks.filter((b) => touches(finding, b));
    breaks.forEach((b) => accounted.add(b));
    if (breaks.length) used.push({ finding, consumers: [...new Set(breaks.map((b) => b.consumer))].sort(), breaks });
    else unused.push(finding);
  }
  return { used, unused, unrated: report.breaks.filter((b) => !accounted.has(b)) };
}

export function formatUsageImpact(impact: UsageImpact, report: CheckReport, source: string): string {
  const counts = [...report.exchanges].map(([c, n]) => `${c} ${n}`).join(', ');
  const lines = [`Recorded usage (${source}: ${counts || 'no exchanges'}):`];
  for (const u of impact.used) {
    lines.push(`  breaking, used by ${u.consumers.join(', ')}: ${u.finding.rule ? `[${u.finding.rule}] ` : ''}${u.finding.message}${u.finding.accepted ? ' (accepted by review)' : ''}`);
    // One line per exchange (its request and its response may both break on one change).
    const exchanges = [...new Map(u.breaks.map((b) => [`${b.file}#${b.index}`, b])).values()];
    for (const b of exchanges.slice(0, 3)) lines.push(`        ${b.consumer}: ${b.exchange} (exchange #${b.index} of ${b.file})`);
    if (exchanges.length > 3) lines.push(`        … ${exchanges.length - 3} more exchange(s)`);
  }
  for (const f of impact.unused) lines.push(`  breaking, no recorded usage: ${f.rule ? `[${f.rule}] ` : ''}${f.message}`);
  for (const b of impact.unrated) lines.push(`  rated safe, but breaks ${b.consumer}: ${b.message}`, `        ${b.exchange} (exchange #${b.index} of ${b.file}), at ${b.at[0]}`);
  if (!impact.used.length && !impact.unused.length && !impact.unrated.length) lines.push('  no breaking change, and every recorded exchange is still described');
  return lines.join('\n');
}
