/** `oauth-apps-api usage export`: a sandbox's request journal as one consumer's usage file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readFailure, sandboxOf } from '../command-args.js';
import { usageFromSandbox } from './from-sandbox.js';

/** The server could not be read (unreachable, token refused, no sandbox): exit 1, not a usage mistake. */
export class JournalUnreadable extends Error {}

export interface ExportOptions {
  'base-url'?: string;
  token?: string;
  consumer?: string;
  out?: string;
}

/** Reads the whole journal of the token's namespace, writes it (oldest first) to `out`; `usage` is the help appended to a mistake. */
export async function exportUsage(values: ExportOptions, usage: string, badInput: (message: string) => Error): Promise<void> {
  const consumer = values.consumer;
  if (!consumer) throw badInput('export needs --consumer NAME (who made the requests: the name the gate reports breaks under)');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(consumer)) throw badInput(`invalid --consumer '${consumer}' (letters, digits, . _ -; at most 100)`);
  const out = values.out ?? `usage/${consumer}.json`;
  const { client, baseUrl } = sandboxOf(values, usage);
  const file = await usageFromSandbox(client, consumer).catch((err: unknown) => {
    throw new JournalUnreadable(readFailure(err, baseUrl).message);
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
  const n = file.exchanges.length;
  process.stderr.write(`${out}: ${n} exchange${n === 1 ? '' : 's'} of ${consumer} from ${baseUrl}'s request journal\n`);
}
