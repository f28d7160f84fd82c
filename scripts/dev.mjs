#!/usr/bin/env node
// `npm run dev`: the spec, the reference server, the Prism mock and the docs, all live (see
// src/dev/loop.ts). Run with tsx (package.json), as the server runs from src/.
import { optionsFromEnv, runDev } from '../src/dev/loop.ts';

try {
  await runDev(optionsFromEnv());
} catch (err) {
  process.stderr.write(`npm run dev: ${err.message}\n`);
  process.exit(1);
}
