import { requests, type RequestEntry, type SandboxClient } from 'oauth-apps-api-client/sandbox';
import type { UsageFile } from './format.js';
import { usageFromJournal, type JournalEntry } from './from-journal.js';

/** The most GET /__sandbox/requests answers at once. */
const PAGE = 1000;

/**
 * The whole request journal of a sandbox client's namespace (its token's), oldest first, as
 * `consumer`'s usage file: what `usage export` writes and `api.usage()` returns. Pages back
 * with `before` from the newest entry until a page is not full (a journal kept larger than a
 * page, `--journal-size` over 1 000, is read whole), then forward with `since` from that
 * newest entry, so entries journaled during the read are taken too.
 */
export async function usageFromSandbox(client: SandboxClient, consumer: string, source: UsageFile['source'] = 'journal'): Promise<UsageFile> {
  const back: RequestEntry[] = []; // newest first
  for (let before: number | undefined; ; ) {
    const page = await requests(client, before === undefined ? { limit: PAGE } : { before, limit: PAGE });
    back.push(...page);
    if (page.length < PAGE) break;
    before = page.at(-1)!.id;
  }
  const entries = back.reverse();
  for (let since = entries.at(-1)?.id ?? 0; ; ) {
    const page = (await requests(client, { since, limit: PAGE })).reverse();
    entries.push(...page);
    if (page.length < PAGE) break;
    since = page.at(-1)!.id;
  }
  const usage = usageFromJournal(entries as unknown as JournalEntry[], consumer);
  return source === 'journal' ? usage : { ...usage, source };
}
