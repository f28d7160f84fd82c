import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { sandboxComponents as components } from 'oauth-apps-api-client/sandbox';
import { packageRoot, bundledSandboxJson } from '../paths.js';
import { limitViolations } from '../http/limits.js';
import { loadSpec, specValidator } from '../spec/index.js';

export type SeedApp = components['schemas']['SeedApp'];

/** The fixture `npm start` loads into an empty database, so a newcomer sees data at once. */
export const defaultSeedFile = join(packageRoot, 'fixtures', 'seed.json');

let validateSeed: ReturnType<ReturnType<typeof specValidator>> | undefined;

/**
 * What no schema can say: within one seed, ids and provider + client_id pairs are unique, and
 * each app keeps the API's limits (metadata size, nesting, no NUL) as a create would.
 */
export function seedProblems(seed: SeedApp[]): string[] {
  const problems: string[] = [];
  const ids = new Map<string, number>();
  const keys = new Map<string, number>();
  seed.forEach((app, i) => {
    for (const [field, reasons] of Object.entries(limitViolations(app))) problems.push(...reasons.map((r) => `app #${i} ${field} ${r}`));
    const key = `${app.provider} ${app.client_id}`;
    if (keys.has(key)) problems.push(`app #${i} repeats the provider + client_id of app #${keys.get(key)} (${key})`);
    else keys.set(key, i);
    if (app.id === undefined) return;
    if (ids.has(app.id)) problems.push(`app #${i} repeats the id of app #${ids.get(app.id)} (${app.id})`);
    else ids.set(app.id, i);
  });
  return problems;
}

/** Checks a seed against the sandbox spec's SeedFile schema and seedProblems; throws a readable list of problems. */
export function checkSeed(value: unknown, source: string): SeedApp[] {
  validateSeed ??= specValidator(loadSpec(bundledSandboxJson))('#/components/schemas/SeedFile');
  const problems = validateSeed(value)
    ? seedProblems(value as SeedApp[])
    : (validateSeed.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
  if (problems.length) {
    throw new Error(`${source} is not a valid seed file (a list of apps: the create body plus optional id, health, created_at, updated_at):\n  ${problems.join('\n  ')}`);
  }
  return value as SeedApp[];
}

/**
 * Reads a JSON or YAML seed file. The bundled fixture is not re-validated at every start
 * (its test does that), which keeps an Ajv compilation off the start-up path; any other file
 * is checked here. The YAML parser is loaded only for a YAML file.
 */
export async function loadSeedFile(file: string): Promise<SeedApp[]> {
  let parsed: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    parsed = file.endsWith('.json') ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (err) {
    throw new Error(`cannot read seed file ${file}: ${(err as Error).message}`);
  }
  return file === defaultSeedFile ? (parsed as SeedApp[]) : checkSeed(parsed, file);
}
