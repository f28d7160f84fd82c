import { coverage, requests, type SandboxClient } from 'oauth-apps-api-client/sandbox';
import type { UsageFile } from './format.js';
import { usageFromJournal, type JournalEntry } from './from-journal.js';

/** The most GET /__sandbox/requests answers at once. */
const PAGE = 1000;

export interface SandboxUsage {
  usage: UsageFile;
  /** Journal entries the read could not reach (older than the newest 1 000 after the last page); 0 when the file holds them all. */
  unread: number;
}

/**
 * The whole request journal of a sandbox client's namespace (its token's), oldest first, as
 * `consumer`'s usage file: what `usage export` writes and `api.usage()` returns. Pages forward
 * with `since` until a page is not full, so entries journaled during the read are taken too.
 * The journal lists newest first and has no cursor to older entries: on a journal kept larger
 * than a page (`--journal-size` over 1 000) the oldest ones are out of reach, and `unread` says
 * how many, from the journal's own count.
 */
export async function usageFromSandbox(client: SandboxClient, consumer: string, source: UsageFile['source'] = 'journal'): Promise<SandboxUsage> {
  const entries: JournalEntry[] = [];
  let since = 0;
  let first = true;
  let unread = 0;
  for (;;) {
    const page = (await requests(client, { since, limit: PAGE })).reverse();
    if (first && page.length === PAGE) unread = Math.max(0, (await coverage(client)).requests - PAGE);
    first = false;
    entries.push(...(page as unknown as JournalEntry[]));
    if (page.length < PAGE) break;
    since = Number(page.at(-1)!.id);
  }
  const usage = usageFromJournal(entries, consumer);
  return { usage: source === 'journal' ? usage : { ...usage, source }, unread };
}
