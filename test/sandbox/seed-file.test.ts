import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkSeed, defaultSeedFile, loadSeedFile } from '../../src/sandbox/seed.js';

const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-seed-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('seed files', () => {
  it('the bundled fixture is valid (start-up trusts it): a few apps per a handful of providers', () => {
    const apps = checkSeed(JSON.parse(readFileSync(defaultSeedFile, 'utf8')), defaultSeedFile);
    expect(apps.length).toBeGreaterThanOrEqual(5);
    expect(new Set(apps.map((a) => a.provider)).size).toBeGreaterThanOrEqual(4);
  });

  it('reads JSON and YAML alike', async () => {
    const app = { provider: 'stripe', client_id: 'a', client_secret: 'b', name: 'c' };
    expect(await loadSeedFile(file('s.json', JSON.stringify([app])))).toEqual([app]);
    expect(await loadSeedFile(file('s.yaml', '- provider: stripe\n  client_id: a\n  client_secret: b\n  name: c\n'))).toEqual([app]);
  });

  it.each([
    ['not a list', '{"provider": "stripe"}', /must be array/],
    ['unknown provider', '[{"provider":"myspace","client_id":"a","client_secret":"b","name":"c"}]', /\/0\/provider must be equal to one of/],
    ['missing name', '[{"provider":"stripe","client_id":"a","client_secret":"b"}]', /must have required property 'name'/],
    ['duplicate client_id', '[{"provider":"stripe","client_id":"a","client_secret":"b","name":"c"},{"provider":"stripe","client_id":"a","client_secret":"x","name":"d"}]', /app #1 repeats the provider \+ client_id of app #0/],
    ['broken YAML', '- provider: [', /cannot read seed file/],
    ['metadata over 16 KiB', `[{"provider":"stripe","client_id":"a","client_secret":"b","name":"c","metadata":{"x":"${'y'.repeat(16_400)}"}}]`, /app #0 metadata must serialise to at most 16384 bytes/],
    ['a NUL in a name', '[{"provider":"stripe","client_id":"a","client_secret":"b","name":"c\\u0000"}]', /app #0 name must not contain the NUL character/],
  ])('refuses %s with a readable message', async (_label, text, message) => {
    await expect(loadSeedFile(file('bad.yaml', text))).rejects.toThrow(message);
  });
});
