// `oauth-apps-api/vitest`: matchers that ask the sandbox's request journal what an app sent.
// Importing this module (e.g. from vitest's setupFiles) adds them to vitest's `expect`:
//
//     await expect(api).toHaveReceived('updateOauthApp', { body: { name: 'Renamed' } });
//     await expect(sandbox).toHaveReceivedTimes('listOauthApps', 1, { query: { provider: 'stripe' } });
//
// `api` is an in-process API (createInProcessApi), a sandbox client (createSandboxClient) or a
// namespace (createNamespace): the journal of its token's namespace is read.
import { expect } from 'vitest';
import { requests, type OperationId, type RequestBodyOf, type RequestEntry, type SandboxClient } from 'oauth-apps-api-client/sandbox';

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** What a journaled request must show; every field given must match (objects: the properties given, at any depth). */
export interface ReceivedExpectation<K extends OperationId = OperationId> {
  body?: DeepPartial<RequestBodyOf<K>>;
  query?: Record<string, string | string[]>;
  path?: string;
  status?: number;
}

/** Whatever can read a journal: an in-process API, a sandbox client, a namespace. */
export type JournalTarget = { requests(filter?: { operation_id?: OperationId; limit?: number }): Promise<RequestEntry[]> } | SandboxClient | { sandbox: SandboxClient };

interface JournalMatchers<R = unknown> {
  /** Passes when the journal holds at least one request of `operationId` matching `expected`. */
  toHaveReceived<K extends OperationId>(operationId: K, expected?: ReceivedExpectation<K>): Promise<R>;
  /** Passes when exactly `times` requests of `operationId` match `expected`. */
  toHaveReceivedTimes<K extends OperationId>(operationId: K, times: number, expected?: ReceivedExpectation<K>): Promise<R>;
}

declare module 'vitest' {
  interface Matchers<T = any> extends JournalMatchers<T> {}
}

const LIMIT = 1000;

async function read(target: unknown, operationId?: OperationId): Promise<RequestEntry[]> {
  const filter = { limit: LIMIT, ...(operationId ? { operation_id: operationId } : {}) };
  const t = target as Record<string, unknown> | null;
  if (t && typeof t.requests === 'function') return (t as { requests: (f: typeof filter) => Promise<RequestEntry[]> }).requests(filter);
  if (t && typeof t.GET === 'function') return requests(t as unknown as SandboxClient, filter);
  if (t && typeof (t.sandbox as { GET?: unknown } | undefined)?.GET === 'function') return requests(t.sandbox as SandboxClient, filter);
  throw new TypeError('expect(…).toHaveReceived: pass an in-process API (createInProcessApi), a sandbox client (createSandboxClient) or a namespace (createNamespace)');
}

/** How `entry` differs from `expected`: one line per field that does not match; none when it matches. */
export function differences(entry: RequestEntry, expected: ReceivedExpectation = {}): string[] {
  const out: string[] = [];
  if (expected.path !== undefined && entry.path !== expected.path) out.push(`path: expected ${show(expected.path)}, received ${show(entry.path)}`);
  if (expected.status !== undefined && entry.response.status !== expected.status) out.push(`status: expected ${expected.status}, received ${entry.response.status}`);
  if (expected.query !== undefined) compare(entry.query, expected.query, 'query', out);
  if (expected.body !== undefined) compare(entry.request.body, expected.body, 'body', out);
  return out;
}

function compare(actual: unknown, expected: unknown, at: string, out: string[]) {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return void out.push(`${at}: expected ${show(expected)}, received ${show(actual)}`);
    expected.forEach((e, i) => compare(actual[i], e, `${at}[${i}]`, out));
    return;
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return void out.push(`${at}: expected ${show(expected)}, received ${show(actual)}`);
    for (const [key, value] of Object.entries(expected)) {
      if (!Object.hasOwn(actual, key)) out.push(`${at}.${key}: expected ${show(value)}, received nothing`);
      else compare((actual as Record<string, unknown>)[key], value, `${at}.${key}`, out);
    }
    return;
  }
  if (!Object.is(actual, expected)) out.push(`${at}: expected ${show(expected)}, received ${show(actual)}`);
}

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));
const line = (e: RequestEntry) => `#${e.id} ${e.method} ${e.path}${Object.keys(e.query).length ? `?${new URLSearchParams(e.query as Record<string, string>)}` : ''} → ${e.response.status}`;
const describeExpected = (operationId: string, expected?: ReceivedExpectation) => `${operationId}${expected && Object.keys(expected).length ? ` with ${JSON.stringify(expected)}` : ''}`;

/** The near misses: requests of the operation and how each differs, or else the newest requests of any. */
async function nearMisses(target: unknown, operationId: OperationId, ofOperation: RequestEntry[], expected?: ReceivedExpectation): Promise<string> {
  if (ofOperation.length) {
    const shown = ofOperation.slice(0, 5).map((e) => `  ${line(e)}\n${differences(e, expected).map((d) => `      ${d}`).join('\n') || '      (matches)'}`);
    const more = ofOperation.length > 5 ? `\n  … and ${ofOperation.length - 5} more` : '';
    return `Requests of ${operationId} (newest first), and how they differ:\n${shown.join('\n')}${more}`;
  }
  const latest = (await read(target)).slice(0, 5);
  return latest.length ? `No request of ${operationId} at all. The latest requests:\n${latest.map((e) => `  ${line(e)} (${e.operation_id ?? 'no such route'})`).join('\n')}` : 'The journal is empty: no request was received.';
}

export const matchers = {
  async toHaveReceived(target: unknown, operationId: OperationId, expected?: ReceivedExpectation) {
    const entries = await read(target, operationId);
    const matching = entries.filter((e) => differences(e, expected).length === 0);
    const pass = matching.length > 0;
    const report = pass ? '' : await nearMisses(target, operationId, entries, expected);
    return {
      pass,
      message: () =>
        pass
          ? `expected no request of ${describeExpected(operationId, expected)}, but received ${matching.length}: ${matching.slice(0, 3).map(line).join(', ')}`
          : `expected a request of ${describeExpected(operationId, expected)}, but none matched.\n${report}`,
    };
  },

  async toHaveReceivedTimes(target: unknown, operationId: OperationId, times: number, expected?: ReceivedExpectation) {
    const entries = await read(target, operationId);
    const matching = entries.filter((e) => differences(e, expected).length === 0);
    const pass = matching.length === times;
    const report = pass ? '' : await nearMisses(target, operationId, entries, expected);
    return {
      pass,
      message: () =>
        pass
          ? `expected not ${times} request(s) of ${describeExpected(operationId, expected)}, but received exactly that`
          : `expected ${times} request(s) of ${describeExpected(operationId, expected)}, but received ${matching.length}.\n${report}`,
    };
  },
};

expect.extend(matchers);
