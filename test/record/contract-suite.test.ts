import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordContractSuite } from '../../scripts/record-contract-suite.js';
import { packageRoot } from '../../src/paths.js';
import { readUsageFile, type UsageFile } from '../../src/usage/format.js';
import { onPostgres } from '../helpers/database.js';

// usage/contract-suite.json, the gate's committed usage, must be what recording the contract
// suite gives today: the same exchanges (operation, status, steered or not), in the same order.
const shape = (u: UsageFile) => u.exchanges.map((e) => `${e.method} ${e.operation_id} ${e.response.status}${e.steered_by ? ' steered' : ''}`);

describe.skipIf(onPostgres)('usage/contract-suite.json', () => {
  it('is the contract suite’s run through the recorder, as it records today', async () => {
    const recording = await recordContractSuite();
    expect(recording.passed).toBe(true);
    const committed = readUsageFile(join(packageRoot, 'usage', 'contract-suite.json'));
    expect(shape(recording.usage), 'stale: re-record with `node --import tsx scripts/record-contract-suite.ts`').toEqual(shape(committed));
    expect(JSON.stringify(recording.usage)).not.toContain(readFileSync(join(packageRoot, 'fixtures', 'seed.json'), 'utf8').match(/sk_test_seed_\w+/)![0]);
    console.log(`contract-suite recording: ${recording.usage.exchanges.length} exchanges, ${recording.apps} apps, ${recording.usageBytes} bytes`);
  }, 60_000);
});
