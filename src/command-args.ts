import { createSandboxClient, type SandboxClient } from 'oauth-apps-api-client/sandbox';

/** A command-line mistake: printed with the command's usage, exit code 2 (src/cli.ts knows it by name, so it need not load this module). */
export class CommandUsageError extends Error {
  override name = 'CommandUsageError';
}

/** A parseArgs failure (an unknown option, a missing value) as a usage error. */
export function usageError(err: unknown, usage: string): Error {
  return (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? new CommandUsageError(`${(err as Error).message}

${usage}`) : (err as Error);
}

/** The sandbox client of a server named by --base-url and --token (or API_TOKEN). */
export function sandboxOf(values: { 'base-url'?: unknown; token?: unknown }, usage: string): { client: SandboxClient; baseUrl: string } {
  const baseUrl = typeof values['base-url'] === 'string' ? values['base-url'] : undefined;
  const token = typeof values.token === 'string' ? values.token : process.env.API_TOKEN;
  if (!baseUrl) throw new CommandUsageError(`--base-url is required\n\n${usage}`);
  if (!/^https?:\/\//.test(baseUrl)) throw new CommandUsageError(`--base-url must be an http(s) URL (got '${baseUrl}')\n\n${usage}`);
  if (!token) throw new CommandUsageError(`--token (or API_TOKEN) is required\n\n${usage}`);
  return { client: createSandboxClient({ baseUrl: baseUrl.replace(/\/+$/, ''), token }), baseUrl };
}

/** A journal read's failure, said as a person can act on it (never with the token). */
export function readFailure(err: unknown, baseUrl: string): Error {
  const message = (err as Error).message;
  if (/ 401 /.test(message)) return new Error(`${baseUrl} refused the token (401): use the server's token or a namespace's`);
  if (/ 404 /.test(message)) return new Error(`${baseUrl} has no request journal (404): is it an oauth-apps-api server with its sandbox on?`);
  const cause = (err as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
  return new Error(`cannot read the journal of ${baseUrl}: ${cause?.code ?? cause?.errors?.[0]?.code ?? (cause as { message?: string } | undefined)?.message ?? message}`);
}
