// Re-records usage/contract-suite.json: the contract suite run against a fresh reference
// server (the bundled seed, the sandbox on) through `oauth-apps-api record`, so the gate's
// committed usage is a real recording of the suite as it is today.
//
//   node --import tsx scripts/record-contract-suite.ts [--out usage/contract-suite.json]
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runContractSuite } from '../src/contract/run.js';
import { startRecorder } from '../src/record/recorder.js';
import { defaultSeedFile, loadSeedFile } from '../src/sandbox/seed.js';
import { createLogger } from '../src/http/logger.js';
import { serve } from '../src/app/serve.js';
import type { UsageFile } from '../src/usage/format.js';

export interface ContractRecording {
  usage: UsageFile;
  apps: number;
  usageBytes: number;
  passed: boolean;
}

export async function recordContractSuite(): Promise<ContractRecording> {
  const dir = mkdtempSync(join(tmpdir(), 'contract-recording-'));
  const server = await serve({ port: 0, host: '127.0.0.1', databaseUrl: 'sqlite::memory:', logger: createLogger({ level: 'silent' }), seed: await loadSeedFile(defaultSeedFile) });
  try {
    const recorder = await startRecorder({ upstream: server.url, port: 0, host: '127.0.0.1', out: dir, consumer: 'contract-suite' });
    const run = await runContractSuite({ baseUrl: recorder.url, token: server.token, steer: true });
    await recorder.stop();
    return {
      usage: JSON.parse(readFileSync(join(dir, 'usage.json'), 'utf8')) as UsageFile,
      apps: (JSON.parse(readFileSync(join(dir, 'seed.json'), 'utf8')) as unknown[]).length,
      usageBytes: statSync(join(dir, 'usage.json')).size,
      passed: !run.tokenRefused && run.results.every((r) => r.outcome !== 'failed'),
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const out = values.out ?? join('usage', 'contract-suite.json');
  const recording = await recordContractSuite();
  if (!recording.passed) throw new Error('the contract suite failed through the recorder: not recorded');
  writeFileSync(out, `${JSON.stringify(recording.usage, null, 2)}\n`);
  console.log(`${out}: ${recording.usage.exchanges.length} exchanges, ${recording.apps} apps in the recording's seed, ${recording.usageBytes} bytes`);
}
