import type { sandboxComponents as components } from 'oauth-apps-api-client/sandbox';
import type { OpenApiDocument } from '../spec/index.js';
import { operationsById } from '../spec/operations.js';
import type { JournalCount } from '../store/types.js';

export type Coverage = components['schemas']['Coverage'];
type OperationId = components['schemas']['OperationId'];

/**
 * The contract's operation × documented status pairs, each with how many journaled requests
 * got it; the statuses answered that the contract does not document are listed apart.
 */
export function coverageOf(contract: OpenApiDocument, counts: JournalCount[]): Coverage {
  const seen = new Map(counts.map((c) => [`${c.operationId} ${c.status}`, c.n]));
  const operations: Coverage['operations'] = [];
  const documented = new Set<string>();
  for (const op of operationsById(contract).values()) {
    const statuses = op.statuses.filter((s) => /^\d{3}$/.test(s)).map(Number).sort((a, b) => a - b);
    for (const s of statuses) documented.add(`${op.operationId} ${s}`);
    operations.push({
      operation_id: op.operationId as OperationId,
      method: op.method as Coverage['operations'][number]['method'],
      path: op.template,
      statuses: statuses.map((status) => ({ status, count: seen.get(`${op.operationId} ${status}`) ?? 0 })),
    });
  }
  const undocumented = counts
    .filter((c) => !documented.has(`${c.operationId} ${c.status}`))
    .sort((a, b) => String(a.operationId).localeCompare(String(b.operationId)) || a.status - b.status)
    .map((c) => ({ operation_id: c.operationId as OperationId | null, status: c.status, count: c.n }));
  const pairs = operations.flatMap((o) => o.statuses);
  const covered = pairs.filter((p) => p.count > 0).length;
  return {
    requests: counts.reduce((n, c) => n + c.n, 0),
    documented: pairs.length,
    covered,
    percent: pairs.length ? Math.round((covered / pairs.length) * 1000) / 10 : 0,
    operations,
    undocumented,
  };
}
