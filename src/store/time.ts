/**
 * The `updated_at` of a change: now, but always later than the previous value, so that two
 * updates within one millisecond (or a clock step backwards) still order correctly.
 */
export function nextTimestamp(previous: string, now = Date.now()): string {
  const prev = Date.parse(previous);
  return new Date(Number.isNaN(prev) ? now : Math.max(now, prev + 1)).toISOString();
}
