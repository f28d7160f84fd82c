import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { requests, type RequestEntry, type RequestFilter } from 'oauth-apps-api-client/sandbox';
import { CommandUsageError, usageError, readFailure, sandboxOf } from '../command-args.js';

export const USAGE = `Usage: oauth-apps-api tail --base-url URL [--token T] [--operation OPERATION_ID] [--interval MS]

Prints each request the sandbox answers, as it happens, one line each: time, method, path,
status, duration, operation, steering and the first reason of a refusal. Reads the request
journal of the namespace the token opens (API_TOKEN when --token is not given), every
--interval ms (default 250). Stop it with Ctrl-C.`;

/**
 * How long after an id first shows up an entry with a lower id may still appear: ids are
 * taken when a batch is written, and batches written at once (several writers, several
 * instances on one PostgreSQL database) commit in any order. Each poll asks again from the
 * newest id seen this long ago and prints only what it has not printed.
 */
const SETTLE_MS = 2000;

/** `oauth-apps-api tail`: follows the request journal by polling it with `since`. */
export async function run(argv: string[], signal?: AbortSignal): Promise<number> {
  const { values } = (() => {
    try {
      return parseArgs({ args: argv, options: { 'base-url': { type: 'string' }, token: { type: 'string' }, operation: { type: 'string' }, interval: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    } catch (err) {
      throw usageError(err, USAGE);
    }
  })();
  if (values.help) return void process.stdout.write(`${USAGE}\n`), 0;
  const interval = Number(values.interval ?? 250);
  if (!/^\d+$/.test(values.interval ?? '250') || interval < 10 || interval > 60_000) throw new CommandUsageError(`invalid --interval '${values.interval}' (milliseconds, 10 to 60000)\n\n${USAGE}`);
  const { client, baseUrl } = sandboxOf(values, USAGE);
  const filter: RequestFilter = values.operation ? { operation_id: values.operation as RequestFilter['operation_id'] } : {};
  const stop = signal ?? abortOnSignals();

  // From now on: what the journal holds already is history, not news.
  let since: number;
  try {
    since = (await requests(client, { limit: 1 }))[0]?.id ?? 0;
  } catch (err) {
    throw readFailure(err, baseUrl);
  }
  const printed = new Set<number>();
  /** The newest id each recent poll saw, oldest first: `since` moves up to one once it is SETTLE_MS old. */
  const newest: { at: number; id: number }[] = [];
  process.stderr.write(`Following the request journal of ${baseUrl}${values.operation ? ` (${values.operation} only)` : ''}; Ctrl-C stops.\n`);
  let down = false;
  while (!stop.aborted) {
    try {
      const news = await requests(client, { ...filter, since, limit: 1000 });
      if (down) process.stderr.write('Reconnected.\n');
      down = false;
      for (const entry of news.reverse()) {
        if (printed.has(entry.id)) continue;
        printed.add(entry.id);
        process.stdout.write(`${formatEntry(entry)}\n`);
      }
      const now = Date.now();
      newest.push({ at: now, id: Math.max(newest.at(-1)?.id ?? since, ...news.map((e) => e.id)) });
      while (newest.length && now - newest[0]!.at >= SETTLE_MS) since = Math.max(since, newest.shift()!.id);
      for (const id of printed) if (id <= since) printed.delete(id);
    } catch (err) {
      const failure = readFailure(err, baseUrl);
      if (/refused the token|has no request journal/.test(failure.message)) throw failure;
      if (!down) process.stderr.write(`${failure.message}; retrying…\n`);
      down = true;
    }
    await sleep(interval, undefined, { signal: stop }).catch(() => undefined);
  }
  return 0;
}

/** `10:00:01.250  PATCH /v1/oauth-apps/8ff5…  422  1.8 ms  updateOauthApp  prefer  name: is required` */
export function formatEntry(e: RequestEntry): string {
  const time = e.time.slice(11, 23);
  const parts = [time, `${e.method} ${e.path}`, String(e.response.status), `${e.duration_ms} ms`, e.operation_id ?? '(no such route)'];
  if (e.steered_by) parts.push(`steered by ${e.steered_by}`);
  const [field, reasons] = Object.entries(e.validation_errors ?? {})[0] ?? [];
  if (field) parts.push(`${field}: ${reasons![0]}`);
  else if (e.summary) parts.push(e.summary);
  return parts.join('  ');
}

function abortOnSignals(): AbortSignal {
  const controller = new AbortController();
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => controller.abort());
  return controller.signal;
}
