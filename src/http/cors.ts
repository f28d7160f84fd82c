import cors from 'cors';
import type { RequestHandler } from 'express';
import type { OpenApiDocument } from '../spec/index.js';
import { operationsById } from '../spec/operations.js';

/**
 * Which browser origins may call the server: any (`'*'`, the default: a sandbox, like Prism),
 * a list of origins, or `'none'` (no CORS headers at all, so browsers on other origins are blocked).
 */
export type CorsOrigins = '*' | 'none' | readonly string[];

/**
 * CORS for frontends served from another origin. Mounted before auth: a browser never sends
 * the token with a preflight, so preflights are answered here (204). Every other response,
 * errors included, gets its allow header here, before any handler can fail, and scripts may
 * read `Retry-After` (429, 503) and `WWW-Authenticate` (401).
 */
export function corsHandler(origins: CorsOrigins, specs: OpenApiDocument[]): RequestHandler | undefined {
  if (origins === 'none') return undefined;
  const methods = new Set(specs.flatMap((spec) => [...operationsById(spec).values()].map((op) => op.method)));
  return cors({
    origin: origins === '*' ? '*' : [...origins],
    methods: [...methods],
    allowedHeaders: ['Authorization', 'Content-Type', 'Prefer'],
    exposedHeaders: ['Retry-After', 'WWW-Authenticate'],
    maxAge: 600, // browsers may reuse a preflight for 10 minutes
  });
}

/** `--cors-origin` / `CORS_ORIGIN`: `*`, `none`, or comma-separated origins such as `http://localhost:5173,https://app.example.com`. */
export function parseCorsOrigins(value: string): CorsOrigins {
  const trimmed = value.trim();
  if (trimmed === '*' || trimmed === 'none') return trimmed;
  const origins = trimmed.split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length === 0) throw new Error(`no origin in '${value}'`);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    // A browser's Origin header is scheme://host[:port], nothing more: anything else never matches.
    if (!parsed || parsed.origin !== origin) throw new Error(`invalid origin '${origin}' (expected scheme://host[:port], e.g. http://localhost:5173)`);
  }
  return origins;
}
