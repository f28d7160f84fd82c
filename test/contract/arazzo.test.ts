import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { startServer, TOKEN, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const redocly = join(packageRoot, 'node_modules', '.bin', 'redocly');
const workflow = join(packageRoot, 'arazzo', 'oauth-apps.arazzo.yaml');

describe('Arazzo lifecycle workflow (redocly respect) against the reference server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  const respect = (token: string) =>
    run(redocly, ['respect', workflow, '--server', `oauthApps=${s.url}`, '--input', `token=${token}`, '--input', `client_id=arazzo-${randomUUID()}`], { cwd: packageRoot }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );

  it('passes every step, with status, content type and schema checked per step', async () => {
    const { code, out } = await respect(TOKEN);
    expect(out).toMatch(/Steps: 6 passed, 6 total/);
    expect(out).toMatch(/schema check/);
    expect(code, out).toBe(0);
    expect((await s.client.GET('/v1/oauth-apps', {})).data!.data).toEqual([]); // it cleaned up
  });

  it('fails when the server refuses it (the check can fail)', async () => {
    const { code, out } = await respect('wrong-token');
    expect(code).not.toBe(0);
    expect(out).toMatch(/1 failed/);
  });
});
