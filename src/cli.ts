#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { serve } from './app/serve.js';
import { createLogger } from './http/logger.js';
import { defaultSeedFile, loadSeedFile } from './sandbox/seed.js';
import { randomBytes } from 'node:crypto';
import { parseCorsOrigins, type CorsOrigins } from './http/cors.js';
// mock/proxy, contract and fuzz are imported when their command runs: the server's start-up
// (measured by the benchmark) does not load Prism glue, the contract suite or fast-check.

const HELP = `oauth-apps-api — the OAuth apps API contract kit

Usage:
  oauth-apps-api [serve] [options]          serve the stateful reference server
  oauth-apps-api mock [--dynamic [--dynamic-seed S]] [--port N]
                                            Prism mock from the spec's examples (MOCK_PORT, default 4010)
  oauth-apps-api proxy <upstream-url> [--port N]
                                            Prism validating proxy: every contract violation of
                                            requests or of the upstream's responses becomes an error
  oauth-apps-api contract <base-url> [--token T] [--no-steer] [--reporter junit --output FILE]
                                            run the contract suite against any server (--base-url works too);
                                            its coverage table shows each operation x documented status:
                                            reached by the target's own behaviour, or, on a sandbox (one
                                            that answers /__sandbox), steered with Prefer: code= and faults
                                            in a namespace of the suite's own (deleted at the end), or
                                            named as not reached; --no-steer asks the sandbox for nothing;
                                            --reporter junit also writes JUnit XML to FILE for CI
  oauth-apps-api coverage --base-url URL [--token T] [--min PERCENT] [--reporter junit --output FILE]
                                            the operation x documented status pairs the sandbox's
                                            request journal shows answered; exits 1 under --min
  oauth-apps-api tail --base-url URL [--token T] [--operation ID]
                                            prints each request the sandbox answers, as it happens
  oauth-apps-api record <upstream-url> [--port 4010] [--out DIR] [--max-requests N] [--keep-secrets]
                                            a recording proxy in front of a real service: writes
                                            DIR/seed.json (the apps seen, for serve --seed) and
                                            DIR/usage.json (the exchanges); record --help says more
  oauth-apps-api usage check --spec CANDIDATE [--reporter junit --output FILE] USAGE_FILE…
                                            replay recorded usage against a candidate spec: each break
                                            per consumer (an operation, status, request or response field
                                            a consumer used that the candidate drops); exit 1 on any break
  oauth-apps-api usage export --base-url URL [--token T] --consumer NAME [--out FILE]
                                            the sandbox's request journal (the token's namespace) as
                                            NAME's usage file, oldest first (default usage/NAME.json)
  oauth-apps-api fuzz [--base-url URL --token T] [--runs N] [--seed S]
                                            spec-driven fuzzing; without --base-url, of an in-process
                                            reference server (in-memory SQLite, or DATABASE_URL)

Options of serve (each also an environment variable):
  --port <n>             PORT            default 3000 (0 picks a free port)
  --host <addr>          HOST            default 127.0.0.1
  --token <t>            API_TOKEN       default: a random token, printed once at start-up
  --database-url <url>   DATABASE_URL    default sqlite::memory: (data kept in memory, lost at exit);
                                         sqlite:./data/oauth-apps.db keeps it in a file,
                                         postgres://… in PostgreSQL
  --database-timeout <ms> DATABASE_TIMEOUT_MS
                                         default 5000: the longest wait on the database
                                         (connecting, each statement); past it a request
                                         answers 503 with Retry-After, and start-up fails
  --log-level <level>    LOG_LEVEL       default info (fatal, error, warn, info, debug, silent)
  --seed <file>          SEED_FILE       JSON or YAML list of apps loaded into an empty database
                                         and restored by POST /__sandbox/reset
                                         (default: the bundled fixtures/seed.json)
  --no-seed                              start empty (SEED_FILE=none does the same)
  --cors-origin <list>   CORS_ORIGIN     browser origins allowed to call the server: * (default,
                                         any origin), comma-separated origins
                                         (http://localhost:5173,https://app.example.com), or none
  --no-sandbox                           no /__sandbox control plane, no Prefer steering:
                                         the API exactly as the real one
  --max-namespaces <n>   MAX_NAMESPACES  live sandbox namespaces at most (default 1000);
                                         one more is a 429
  --namespace-ttl <s>    NAMESPACE_TTL   seconds an unused namespace lives (default 86400)
  --public-namespaces    PUBLIC_NAMESPACES=1
                                         anyone may create a namespace without a token (the docs
                                         console's readers, /docs/try): seeded, 1 h unused, 3 per
                                         client address, 100 in all; nothing else is opened
  --journal-size <n>     JOURNAL_SIZE    requests kept per namespace in the sandbox's request
                                         journal (GET /__sandbox/requests; default 1000, 0 = off)
  --no-response-validation               skip checking responses against the spec
                                         (the default when NODE_ENV=production)
  -h, --help
`;

// Commands in modules of their own (src/cli/), each with its own options and usage.
// Commands with options of their own parse them in their own module, loaded when they run.
const COMMANDS: Record<string, () => Promise<(argv: string[]) => Promise<number | void>>> = {
  coverage: async () => (await import('./cli/coverage.js')).run,
  tail: async () => (await import('./cli/tail.js')).run,
  usage: async () => (await import('./usage/command.js')).usageCommand,
  record: async () => (await import('./record/command.js')).recordCommand,
};

async function main(argv: string[]) {
  const own = argv[0] === undefined ? undefined : COMMANDS[argv[0]];
  if (own) {
    const code = await (await own())(argv.slice(1));
    if (typeof code === 'number') process.exitCode = code;
    return;
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'database-url': { type: 'string' },
      'database-timeout': { type: 'string' },
      'log-level': { type: 'string' },
      'no-response-validation': { type: 'boolean' },
      seed: { type: 'string' },
      'no-seed': { type: 'boolean' },
      'no-sandbox': { type: 'boolean' },
      'no-steer': { type: 'boolean' },
      'max-namespaces': { type: 'string' },
      'namespace-ttl': { type: 'string' },
      'public-namespaces': { type: 'boolean' },
      'journal-size': { type: 'string' },
      'cors-origin': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      dynamic: { type: 'boolean' },
      'dynamic-seed': { type: 'string' },
      'base-url': { type: 'string' },
      runs: { type: 'string' },
      reporter: { type: 'string' },
      output: { type: 'string' },
    },
  });
  const command = positionals[0] ?? 'serve';
  if (values.help || command === 'help') return void process.stdout.write(HELP);
  const env = process.env;
  const host = values.host ?? env.HOST ?? '127.0.0.1';

  if (command === 'mock' || command === 'proxy') {
    const port = parsePort(values.port ?? env.MOCK_PORT, 4010);
    const upstream = positionals[1];
    if (command === 'proxy' && !upstream) throw new UsageError('proxy needs the upstream URL, e.g. oauth-apps-api proxy https://api.sequin.io');
    const { startMock, startProxy } = await import('./prism.js');
    const child = command === 'mock' ? startMock({ port, host, dynamic: values.dynamic, seed: values['dynamic-seed'] }) : startProxy(upstream!, { port, host });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => child.kill(signal));
    child.on('exit', (code) => process.exit(code ?? 0));
    return;
  }

  if (command === 'contract') {
    const baseUrl = values['base-url'] ?? positionals[1];
    if (!baseUrl) throw new UsageError('contract needs the base URL, e.g. oauth-apps-api contract http://127.0.0.1:3000');
    if (values.reporter !== undefined && values.reporter !== 'junit') throw new UsageError(`unknown --reporter '${values.reporter}' (junit is the one there is)`);
    if (values.reporter === 'junit' && !values.output) throw new UsageError('--reporter junit needs --output FILE');
    const { formatReport, runContractSuite } = await import('./contract/run.js');
    const run = await runContractSuite({ baseUrl, token: values.token ?? env.API_TOKEN, steer: !values['no-steer'] });
    process.stdout.write(`${formatReport(run, baseUrl)}\n`);
    if (values.reporter === 'junit') {
      const [{ junitReport }, { mkdirSync, writeFileSync }, { dirname }] = await Promise.all([import('./contract/junit.js'), import('node:fs'), import('node:path')]);
      mkdirSync(dirname(values.output!), { recursive: true });
      writeFileSync(values.output!, junitReport(run, baseUrl));
      process.stderr.write(`JUnit report written to ${values.output}\n`); // stdout ends with the counts line
    }
    process.exitCode = run.tokenRefused || run.results.some((r) => r.outcome === 'failed') ? 1 : 0;
    return;
  }

  if (command === 'fuzz') {
    const runs = Number(values.runs ?? 1000);
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`invalid --runs '${values.runs}'`);
    if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`invalid --seed '${values.seed}'`);
    const report = await fuzz(values['base-url'] ?? positionals[1], values.token ?? env.API_TOKEN, runs, seed, env.DATABASE_URL);
    process.exitCode = report.failures.length || report.secretScan.leaks.length ? 1 : 0;
    return;
  }

  if (command !== 'serve') throw new UsageError(`unknown command '${command}'`);
  const port = parsePort(values.port ?? env.PORT, 3000);
  // In memory unless told: `npx oauth-apps-api serve` in someone's project must not write files there.
  const databaseUrl = values['database-url'] ?? env.DATABASE_URL ?? 'sqlite::memory:';
  const corsOrigins = corsOption(values['cors-origin'] ?? env.CORS_ORIGIN ?? '*');
  const log = createLogger({ level: values['log-level'] ?? env.LOG_LEVEL ?? 'info' });
  const seedFile = values['no-seed'] || env.SEED_FILE === 'none' ? undefined : (values.seed ?? env.SEED_FILE ?? defaultSeedFile);
  const publicNamespaces = Boolean(values['public-namespaces']) || env.PUBLIC_NAMESPACES === '1' || env.PUBLIC_NAMESPACES === 'true';
  const running = await serve({
    port,
    host,
    token: values.token ?? env.API_TOKEN,
    databaseUrl,
    databaseTimeoutMs: positiveInteger('--database-timeout', values['database-timeout'] ?? env.DATABASE_TIMEOUT_MS),
    validateResponses: values['no-response-validation'] ? false : undefined,
    logger: log,
    seed: seedFile ? await loadSeedFile(seedFile) : [],
    sandbox: !values['no-sandbox'],
    maxNamespaces: positiveInteger('--max-namespaces', values['max-namespaces'] ?? env.MAX_NAMESPACES),
    namespaceTtlMs: mapDefined(positiveInteger('--namespace-ttl', values['namespace-ttl'] ?? env.NAMESPACE_TTL), (s) => s * 1000),
    journalSize: wholeNumber('--journal-size', values['journal-size'] ?? env.JOURNAL_SIZE),
    corsOrigins,
    publicNamespaces,
  });

  const lines = [
    `OAuth apps API listening on ${running.url}`,
    `  storage: ${running.store.location}${databaseUrl === 'sqlite::memory:' ? ' — keep it with --database-url sqlite:./oauth-apps.db' : ''}`,
    `  seed:    ${running.seeded ? `loaded ${running.seeded} apps from ${seedFile}` : seedFile ? 'database not empty, seed not loaded' : 'none'}`,
    `  sandbox: ${values['no-sandbox'] ? 'off' : `${running.url}/__sandbox (spec: ${running.url}/sandbox.yaml, docs: ${running.url}/docs/sandbox)${publicNamespaces ? '; public namespaces: anyone may create one' : ''}`}`,
    `  docs:    ${running.url}/docs  (spec: ${running.url}/openapi.yaml; try it: ${running.url}/docs/try)`,
    `  cors:    ${corsOrigins === '*' ? 'any origin' : corsOrigins === 'none' ? 'off (browsers on other origins are blocked)' : corsOrigins.join(', ')}`,
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

/** Fuzzes a given server, or one started here whose log lines join the secret scan. */
async function fuzz(baseUrl: string | undefined, token: string | undefined, runs: number, seed: number | undefined, databaseUrl: string | undefined) {
  const { formatFuzzReport, runFuzz } = await import('./fuzz/run.js');
  if (baseUrl) {
    if (!token) throw new UsageError('fuzzing a running server needs its token (--token or API_TOKEN)');
    const report = await runFuzz({ baseUrl, token, runs, seed });
    process.stdout.write(`${formatFuzzReport(report, baseUrl)}\n`);
    return report;
  }
  const logLines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (l: string) => void logLines.push(l) } });
  const running = await serve({ port: 0, host: '127.0.0.1', token: randomBytes(16).toString('hex'), databaseUrl: databaseUrl ?? 'sqlite::memory:', logger, validateResponses: true });
  try {
    const report = await runFuzz({ baseUrl: running.url, token: running.token, runs, seed, logLines: () => logLines });
    process.stdout.write(`${formatFuzzReport(report, `${running.url} (in-process reference server, ${running.store.location})`)}\n`);
    return report;
  } finally {
    await running.close();
  }
}

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new UsageError(`invalid ${name} '${value}' (a whole number from 1)`);
  return n;
}

function wholeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 1_000_000) throw new UsageError(`invalid ${name} '${value}' (a whole number from 0 to 1000000)`);
  return Number(value);
}

const mapDefined = <T, U>(value: T | undefined, f: (v: T) => U): U | undefined => (value === undefined ? undefined : f(value));

function corsOption(value: string): CorsOrigins {
  try {
    return parseCorsOrigins(value);
  } catch (err) {
    throw new UsageError(`--cors-origin: ${(err as Error).message}`);
  }
}

function parsePort(value: string | undefined, fallback: number): number {
  const port = Number(value ?? fallback);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port '${value}'`);
  return port;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if ((err as Error).name === 'CommandUsageError') {
    process.stderr.write(`oauth-apps-api: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`oauth-apps-api: ${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  process.stderr.write(`oauth-apps-api: ${(err as Error).message}\n`);
  process.exit(1);
});
