import { expect } from 'vitest';
import { createOauthAppsClient } from 'oauth-apps-api-client';
import type { CorsOrigins } from '../../src/http/cors.js';
import { createLogger } from '../../src/http/logger.js';
import type { SeedApp } from '../../src/sandbox/seed.js';
import { serve, type RunningServer, type ServeConfig } from '../../src/app/serve.js';
import { specValidator } from '../../src/spec/index.js';
import { dropTestSchemas, freshDatabaseUrl } from './database.js';

export const TOKEN = 'test-token-0123456789';

/** The docs' create body (reference doc), reused across suites. */
export const docsCreateBody = {
  provider: 'stripe',
  client_id: 'db97a4eb-f488-46c8-b1a7-78be3d8380d1',
  client_secret: 'e8c22f21-3455-4ad5-ae1e-76bee847dec9',
  name: 'Arakkis - Stripe',
  metadata: { custom_property: 42 },
} as const;

export interface TestServer extends RunningServer {
  client: ReturnType<typeof createOauthAppsClient>;
  /** Every log line the server wrote, as text. */
  logLines: string[];
  /** Every response body the client received, as text. */
  responseBodies: string[];
  /** A raw request (for what the typed client will not send: bad JSON, wrong types, no token). */
  raw(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
}

/** The reference server on port 0 with response validation on, plus a typed client that records bodies. */
export async function startServer(options: { databaseUrl?: string; corsOrigins?: CorsOrigins; seed?: SeedApp[]; config?: Partial<ServeConfig> } = {}): Promise<TestServer> {
  const logLines: string[] = [];
  const responseBodies: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(line) } });
  // A database of its own unless the test brings one (and then the test cleans it up).
  const databaseUrl = options.databaseUrl ?? freshDatabaseUrl();
  const running = await serve({
    port: 0,
    host: '127.0.0.1',
    token: TOKEN,
    databaseUrl,
    validateResponses: true,
    logger,
    corsOrigins: options.corsOrigins,
    seed: options.seed,
    ...options.config,
  });
  const recordingFetch = async (input: Request) => {
    const res = await fetch(input);
    responseBodies.push(await res.clone().text());
    return res;
  };
  const client = createOauthAppsClient({ baseUrl: running.url, token: TOKEN, fetch: recordingFetch });
  const raw = async (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const token = init.token === undefined ? TOKEN : init.token;
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    const res = await fetch(`${running.url}${path}`, { ...init, headers });
    responseBodies.push(await res.clone().text());
    return res;
  };
  const close = async () => {
    await running.close();
    if (!options.databaseUrl) await dropTestSchemas(databaseUrl);
  };
  return { ...running, close, client, logLines, responseBodies, raw };
}

const validate = specValidator();

/** Asserts an error response: status, JSON content type, and a body in the API's Error shape. */
export async function expectError(res: Response, status: number) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { summary: string; validation_errors?: Record<string, string[]> };
  const check = validate('#/components/schemas/Error');
  expect(check(body), JSON.stringify(check.errors)).toBe(true);
  return body;
}

/** Asserts a value is a valid OauthApp per the spec. */
export function expectOauthApp(value: unknown) {
  const check = validate('#/components/schemas/OauthApp');
  expect(check(value), JSON.stringify(check.errors)).toBe(true);
}
