import { usageFile, type Exchange, type QueryValues, type UsageFile } from './format.js';

/** A sandbox journal entry as GET /__sandbox/requests lists it (#19). */
export interface JournalEntry {
  id: string;
  time: string;
  operation_id: string | null;
  method: string;
  path: string;
  query?: Record<string, unknown> | null;
  request: { body?: unknown };
  response: { status: number; body?: unknown };
  duration_ms?: number;
  steered_by?: string | null;
}

/**
 * The sandbox journal's entries as one consumer's usage file. Pure: the journal is read by
 * whoever calls this (`usage export`, `?format=usage`, `api.usage()`). Entries keep their
 * order; secrets are masked by `usageFile` even if the journal already masked them.
 */
export function usageFromJournal(entries: JournalEntry[], consumer: string): UsageFile {
  return usageFile(consumer, entries.map(toExchange), 'journal');
}

function toExchange(entry: JournalEntry): Exchange {
  const hasBody = entry.request.body !== undefined && entry.request.body !== null;
  return {
    operation_id: entry.operation_id ?? null,
    method: entry.method.toUpperCase(),
    path: entry.path,
    query: queryText(entry.query ?? {}),
    request: hasBody ? { content_type: 'application/json', body: entry.request.body } : {},
    response: { status: entry.response.status, ...(entry.response.body !== undefined ? { body: entry.response.body } : {}) },
    time: entry.time,
    ...(entry.steered_by ? { steered_by: entry.steered_by } : {}),
  };
}

/** Query values as text, the way they travelled (a journal may hold them parsed). */
function queryText(query: Record<string, unknown>): QueryValues {
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, Array.isArray(v) ? v.map(text) : text(v)]));
}
