#!/usr/bin/env node
// `npm start`: the reference server from this checkout. Rebuilds the code only when a source
// is newer than the build (a cheap mtime check), then runs the CLI in this same process.
// Unlike `npx oauth-apps-api serve` (data in memory unless --database-url says where), the
// checkout keeps its data in ./data/oauth-apps.db unless DATABASE_URL or --database-url says otherwise.
import { ensureBuilt } from './ensure-built.mjs';

ensureBuilt(['code']);
process.env.DATABASE_URL ??= 'sqlite:./data/oauth-apps.db';
await import('../dist/src/cli.js');
