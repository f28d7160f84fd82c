#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { serve } from './server/serve.js';
import { createLogger } from './server/logger.js';

const HELP = `oauth-apps-api — the OAuth apps API contract kit

Usage:
  oauth-apps-api [serve] [options]     serve the stateful reference server

Options (each also an environment variable):
  --port <n>             PORT            default 3000 (0 picks a free port)
  --host <addr>          HOST            default 127.0.0.1
  --token <t>            API_TOKEN       default: a random token, printed once at start-up
  --database-url <url>   DATABASE_URL    default sqlite:./data/oauth-apps.db
                                         (sqlite::memory: for a throwaway run)
  --log-level <level>    LOG_LEVEL       default info (fatal, error, warn, info, debug, silent)
  --no-response-validation               skip checking responses against the spec
                                         (the default when NODE_ENV=production)
  -h, --help
`;

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'database-url': { type: 'string' },
      'log-level': { type: 'string' },
      'response-validation': { type: 'boolean' },
      'no-response-validation': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0] ?? 'serve';
  if (values.help || command === 'help') return void process.stdout.write(HELP);
  if (command !== 'serve') throw new UsageError(`unknown command '${command}'`);

  const env = process.env;
  const port = Number(values.port ?? env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port '${values.port ?? env.PORT}'`);
  const databaseUrl = values['database-url'] ?? env.DATABASE_URL ?? 'sqlite:./data/oauth-apps.db';
  const log = createLogger({ level: values['log-level'] ?? env.LOG_LEVEL ?? 'info' });
  const running = await serve({
    port,
    host: values.host ?? env.HOST ?? '127.0.0.1',
    token: values.token ?? env.API_TOKEN,
    databaseUrl,
    validateResponses: values['no-response-validation'] ? false : undefined,
    logger: log,
  });

  const lines = [
    `OAuth apps API listening on ${running.url}`,
    `  storage: ${running.store.location}`,
    `  docs:    ${running.url}/docs  (spec: ${running.url}/openapi.yaml)`,
  ];
  if (running.tokenGenerated) {
    lines.push(`  token:   ${running.token}`, '           (generated for this run; set API_TOKEN or --token to choose one)');
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`oauth-apps-api: ${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  process.stderr.write(`oauth-apps-api: ${(err as Error).message}\n`);
  process.exit(1);
});
