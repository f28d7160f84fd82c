import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { startMock, startProxy } from '../../src/prism.js';

/** A port that was free a moment ago (Prism needs a number; it cannot report a port-0 pick). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningPrism {
  url: string;
  stop(): Promise<void>;
}

async function whenListening(child: ChildProcess, url: string): Promise<RunningPrism> {
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Prism is listening')) (clearTimeout(timer), resolve());
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`Prism exited (${code}):\n${output}`))));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function startPrismMock(): Promise<RunningPrism> {
  const port = await freePort();
  return whenListening(startMock({ port, host: '127.0.0.1' }, 'pipe'), `http://127.0.0.1:${port}`);
}

export async function startPrismProxy(upstream: string): Promise<RunningPrism> {
  const port = await freePort();
  return whenListening(startProxy(upstream, { port, host: '127.0.0.1' }, 'pipe'), `http://127.0.0.1:${port}`);
}
