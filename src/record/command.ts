/** `oauth-apps-api record <upstream-url>`: the recording proxy as a command. */
import { parseArgs } from 'node:util';
import { loadSpecFile } from '../http/validator.js';
import { startRecorder } from './recorder.js';

export const RECORD_HELP = `Usage:
  oauth-apps-api record <upstream-url> [--port 4010] [--host 127.0.0.1] [--out DIR]
                        [--max-requests N] [--keep-secrets] [--consumer NAME] [--spec FILE]
      a proxy in front of a real service: requests go upstream with the caller's headers (the
      token is never written down), answers come back unchanged; both are checked against the
      spec, a violation named in the sl-violations response header and in the recording.
      On SIGINT/SIGTERM, after --max-requests, and every 5 s, DIR (default ./recording) holds
        seed.json   the apps seen (latest state, deletes applied), for serve --seed DIR/seed.json;
                    secrets replaced by a placeholder unless --keep-secrets
        usage.json  the exchanges as usage of --consumer (default recorded), secrets masked,
                    for oauth-apps-api usage check and npm run diff
`;

class BadInput extends Error {}

export async function recordCommand(argv: string[]): Promise<void> {
  try {
    await run(argv);
  } catch (err) {
    const bad = err instanceof BadInput || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`oauth-apps-api record: ${(err as Error).message}\n${bad ? `\n${RECORD_HELP}` : ''}`);
    process.exit(bad ? 2 : 1);
  }
}

async function run(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      out: { type: 'string' },
      'max-requests': { type: 'string' },
      'keep-secrets': { type: 'boolean' },
      consumer: { type: 'string' },
      spec: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void process.stdout.write(RECORD_HELP);
  const upstream = positionals[0];
  if (!upstream) throw new BadInput('record needs the upstream URL, e.g. oauth-apps-api record https://api.sequin.io');
  if (positionals.length > 1) throw new BadInput(`one upstream URL, not ${positionals.length}`);
  let url: URL;
  try {
    url = new URL(upstream);
  } catch {
    throw new BadInput(`'${upstream}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadInput(`the upstream must be http or https, not ${url.protocol}`);
  const port = Number(values.port ?? 4010);
  if (!/^\d+$/.test(values.port ?? '4010') || port > 65535) throw new BadInput(`invalid --port '${values.port}'`);
  const maxRequests = values['max-requests'] === undefined ? undefined : Number(values['max-requests']);
  if (maxRequests !== undefined && (!/^\d+$/.test(values['max-requests']!) || maxRequests < 1)) throw new BadInput(`invalid --max-requests '${values['max-requests']}' (a whole number from 1)`);
  const consumer = values.consumer ?? 'recorded';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(consumer)) throw new BadInput(`invalid --consumer '${consumer}' (letters, digits, . _ -)`);
  const out = values.out ?? 'recording';
  const spec = values.spec ? await loadSpecFile(values.spec) : undefined;

  const recorder = await startRecorder({ upstream: url.href.replace(/\/$/, ''), port, host: values.host ?? '127.0.0.1', out, maxRequests, keepSecrets: values['keep-secrets'], consumer, spec });
  process.stdout.write(
    [
      `Recording ${recorder.url} → ${url.origin}${url.pathname === '/' ? '' : url.pathname}`,
      `  into:    ${out}/seed.json, ${out}/usage.json (consumer ${consumer}), written every 5 s and at stop`,
      `  secrets: ${values['keep-secrets'] ? 'kept in seed.json (--keep-secrets); masked in usage.json' : 'replaced by a placeholder in seed.json, masked in usage.json'}`,
      `  stop:    Ctrl-C${maxRequests ? `, or after ${maxRequests} recorded request(s)` : ''}`,
    ].join('\n') + '\n',
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void recorder.stop());
  await recorder.stopped;
  process.stdout.write(`Recorded ${recorder.count} exchange(s) into ${out}\n`);
  process.exit(0);
}
