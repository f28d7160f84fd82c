// `npm run dev`: one command, everything live. Watches the spec (every split file), src/, the
// seed and the docs' sources; on each save runs what that file feeds, in order, and reloads in
// place:
//   openapi/**, redocly.yaml and its plugins (docs/code-samples.mjs)
//                             → lint (errors with file and line; nothing else happens, the last
//                               good state keeps serving), bundle, types (spec.ts), then at once
//                               the server's app (host.ts), the mock's operations (mock.ts) and
//                               the docs pages, which reload themselves in the browser (LiveReload)
//   src/**, the seed          → a new server process with the new code; the old one serves until
//                               the new one has loaded (a save that does not load changes nothing)
//   docs/**, CHANGELOG.md     → the docs pages
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { relative, resolve, sep } from 'node:path';
import chokidar from 'chokidar';
import livereload, { type LiveReloadServer } from 'livereload';
import { defaultSeedFile } from '../sandbox/seed.js';
import { startDevMock, type DevMock } from './mock.js';
import { bundleSpecs, formatProblem, generateTypes, generatedApis, redoclyPlugins, reloadPlugins, type Problem } from './spec.js';

export interface DevOptions {
  host: string;
  port: number;
  mockPort: number;
  livereloadPort: number;
  token: string;
  /** Relative to the repository; undefined = no seed. */
  seedFile: string | undefined;
}

export function optionsFromEnv(env = process.env): DevOptions {
  const port = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`invalid ${name} '${env[name]}'`);
    return value;
  };
  return {
    host: env.HOST ?? '127.0.0.1',
    port: port('PORT', 3000),
    mockPort: port('MOCK_PORT', 4010),
    livereloadPort: port('LIVERELOAD_PORT', 35729),
    // One token for the whole session: a server restarted for a code change keeps it.
    token: env.API_TOKEN || randomBytes(24).toString('base64url'),
    seedFile: env.SEED_FILE === 'none' ? undefined : (env.SEED_FILE ?? relative(process.cwd(), defaultSeedFile)),
  };
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const clock = () => new Date().toTimeString().slice(0, 8);
const seconds = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);

type Kind = 'spec' | 'code' | 'docs';

export async function runDev(options: DevOptions): Promise<void> {
  const apis = generatedApis();
  const mainApi = apis.find((a) => a.name === 'main') ?? apis[0]!;
  const plugins = redoclyPlugins();
  const seedPath = options.seedFile && relative(process.cwd(), options.seedFile);
  const kindOf = (file: string): Kind | undefined => {
    if (file === seedPath) return 'code';
    if (file === 'redocly.yaml' || file.startsWith(`openapi${sep}`) || plugins.includes(file)) return 'spec';
    if (file.startsWith(`src${sep}`)) return 'code';
    if (file === 'CHANGELOG.md' || file.startsWith(`docs${sep}`)) return 'docs';
    return undefined;
  };

  say('oauth-apps-api dev: building the spec, the types and the docs…');
  const first = await bundleSpecs(apis);
  // Which files each API is made of, from its last good bundle: a save lints and bundles only
  // the APIs that use the file (a schema of the API alone leaves the sandbox's as it is).
  const uses = new Map(first.ok ? Object.entries(first.files) : []);
  const using = (files: string[]) => {
    const paths = files.map((f) => resolve(f));
    const known = (path: string) => [...uses.values()].some((set) => set.has(path));
    // redocly.yaml, a plugin, a file no bundle used yet (or no bundle yet): every API.
    if (paths.some((p) => !known(p))) return apis;
    return apis.filter((api) => paths.some((p) => uses.get(api.name)?.has(p)));
  };
  if (!first.ok) reportLint(first.errors, 'serving the bundles of the last good save');
  else {
    for (const w of first.warnings) say(formatProblem(w));
    await generateTypes(apis);
  }

  const reloader = await startLivereload(options);
  const docs = new DocsBuilder();
  const [mock] = await Promise.all([startDevMock(mainApi.yaml, options.mockPort, options.host, say), docs.build()]);
  const api = new ApiProcess(options);
  if (!(await api.replace())) throw new Error('the reference server did not start (see above)');

  const watcher = chokidar.watch(['openapi', 'src', 'docs', 'CHANGELOG.md', 'redocly.yaml', ...(seedPath ? [seedPath] : [])], { ignoreInitial: true });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  say(
    [
      '',
      `  API      ${url}   token: ${options.token}${process.env.API_TOKEN ? '' : ' (generated; set API_TOKEN to choose one)'}`,
      `  docs     ${url}/docs  ·  ${url}/docs/sandbox  ·  ${url}/docs/try (the console)   (an open page reloads itself after each rebuild)`,
      `  mock     ${mock.url}   (Prism, the spec's examples)`,
      `  spec     ${url}/openapi.yaml  ·  ${mainApi.types} (types)`,
      `  watching openapi/, src/, ${seedPath ?? '(no seed)'}, docs/, CHANGELOG.md — Ctrl-C stops`,
      '',
    ].join('\n'),
  );

  // Saves arriving while a rebuild runs are gathered and handled together right after it.
  const pending = new Map<string, Kind>();
  let busy: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', (_event, path) => {
    const file = relative(process.cwd(), path);
    const kind = kindOf(file);
    if (!kind) return;
    pending.set(file, kind);
    // Editors write a file in a few steps (truncate, write, rename): act once they are done.
    clearTimeout(timer);
    timer = setTimeout(() => void (busy ??= drain().finally(() => (busy = undefined))), 25);
  });

  async function drain() {
    while (pending.size) {
      const batch = new Map(pending);
      pending.clear();
      await rebuild(batch);
    }
  }

  async function rebuild(batch: Map<string, Kind>) {
    const t0 = performance.now();
    const kinds = new Set(batch.values());
    const at = () => seconds(performance.now() - t0);
    say(`[${clock()}] saved ${[...batch.keys()].join(', ')}`);
    let changed: typeof apis = []; // the APIs whose bundle changed
    let pages: string[] | undefined = kinds.has('docs') ? [] : undefined; // [] = every page
    if (kinds.has('spec')) {
      const saved = [...batch].filter(([, kind]) => kind === 'spec').map(([file]) => file);
      if (saved.some((file) => plugins.includes(file))) {
        reloadPlugins();
        docs.close(); // the next build starts a fresh renderer, which imports the plugin anew
      }
      const linted = using(saved);
      const built = await bundleSpecs(linted);
      if (!built.ok) reportLint(built.errors, 'server, mock and docs still serve the last good spec');
      else {
        for (const w of built.warnings) say(formatProblem(w));
        say(`  spec     lint ${seconds(built.ms.lint)} and bundle ${seconds(built.ms.bundle)} (${linted.map((a) => a.name).join(', ')}): ${built.written.length ? built.written.join(', ') : 'no change in the bundles'}`);
        for (const [name, files] of Object.entries(built.files)) uses.set(name, files);
        changed = apis.filter((a) => built.written.includes(a.json));
        // Only the pages of those APIs.
        if (changed.length && !pages) pages = changed.map((a) => a.name);
      }
    }
    // The slowest first (the docs' process), then the in-process steps beside it.
    const steps: Promise<unknown>[] = [];
    if (pages) steps.push(docs.build(pages).then((ok) => ok && (reloader.refresh('/docs/'), say(`  docs     rebuilt, open pages reload (${at()})`))));
    const specChanged = changed.length > 0;
    if (specChanged) {
      steps.push(
        // (A server restarting for new code reads the new bundles anyway.)
        kinds.has('code') ? Promise.resolve() : api.reload().then((ok) => ok && say(`  server   reloaded the new spec (${at()})`)),
      );
      if (changed.includes(mainApi)) {
        steps.push(
          mock.load(mainApi.yaml).then(
            ({ operations }) => say(`  mock     serves the new spec, ${operations} operations (${at()})`),
            (err: Error) => say(`  ✗ mock kept the last good spec: ${err.message}`),
          ),
        );
      }
    }
    if (kinds.has('code')) steps.push(api.replace().then((ok) => ok && say(`  server   restarted with the new code (${at()})`)));
    await Promise.all(steps);
    // The types last: the editor reads them, nothing served waits for them.
    if (specChanged) {
      const files = await generateTypes(changed);
      say(`  types    ${files.length ? files.join(', ') : 'unchanged'} (${at()})`);
    }
    say(`  done in ${at()}`);
  }

  const stop = async () => {
    await watcher.close();
    reloader.close();
    docs.close();
    await Promise.all([api.close(), mock.close()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

function reportLint(errors: Problem[], kept: string) {
  say(`  ✗ lint: ${errors.length} error${errors.length === 1 ? '' : 's'} — ${kept}`);
  for (const e of errors) say(formatProblem(e));
}

/**
 * The docs build of `npm run docs`, in a process of its own that stays up (scripts/build-docs.mjs
 * --serve) so that its renderer is loaded once, not once per save; quiet unless a build fails.
 * A save of a Redocly plugin starts a fresh one (the plugin is imported once per process).
 */
class DocsBuilder {
  #child: ChildProcess | undefined;
  #output = '';
  #next = 0;

  /** Builds the pages of these APIs (none named: every page); false when it failed (the pages stay as they were). */
  async build(apiNames: string[] = []): Promise<boolean> {
    const child = (this.#child ??= this.#start());
    const id = ++this.#next;
    this.#output = '';
    // The reply carries the failure itself: the pipes' last output may come after it.
    const { ok, error } = await new Promise<{ ok: boolean; error?: string }>((resolve) => {
      const onMessage = (m: { id: number; ok: boolean; error?: string }) => m.id === id && (done(), resolve(m));
      const onExit = () => (done(), resolve({ ok: false }));
      const done = () => (child.off('message', onMessage), child.off('exit', onExit));
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ id, apis: apiNames });
    });
    if (!ok) say(`  ✗ docs build failed, the pages stay as they were:\n${[this.#output.trimEnd(), error].filter(Boolean).join('\n')}`);
    return ok;
  }

  close(): void {
    this.#child?.kill();
    this.#child = undefined;
  }

  #start(): ChildProcess {
    const child = spawn(process.execPath, ['scripts/build-docs.mjs', '--serve'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    child.stdout!.on('data', (d: Buffer) => (this.#output += d));
    child.stderr!.on('data', (d: Buffer) => (this.#output += d));
    child.once('exit', () => this.#child === child && (this.#child = undefined));
    return child;
  }
}

async function startLivereload(options: DevOptions): Promise<LiveReloadServer> {
  const server = livereload.createServer({ port: options.livereloadPort, host: options.host, noListen: true });
  await new Promise<void>((resolve, reject) => {
    server.config.server.once('error', (err: Error) => reject(new Error(`LiveReload cannot listen on ${options.livereloadPort} (LIVERELOAD_PORT): ${err.message}`)));
    server.listen(resolve);
  });
  return server;
}

/**
 * The reference server's process (host.ts). A replacement loads first, while the current one
 * serves; only a replacement whose code loaded takes the port over.
 */
class ApiProcess {
  #current: ChildProcess | undefined;
  constructor(private readonly options: DevOptions) {}

  /** Starts a server with the code as it is now; false (the current one kept) when it does not load. */
  async replace(): Promise<boolean> {
    const next = spawn(process.execPath, ['--import', 'tsx', 'src/dev/host.ts'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        HOST: this.options.host,
        PORT: String(this.options.port),
        API_TOKEN: this.options.token,
        LIVERELOAD_PORT: String(this.options.livereloadPort),
        SEED_FILE: this.options.seedFile ?? 'none',
      },
    });
    const loaded = await reply(next, 'loaded');
    if (!loaded.ok) {
      next.kill();
      say(`  ✗ server: the new code did not load${loaded.message ? `: ${loaded.message}` : ' (the error is above)'}; ${this.#current ? 'the running server keeps serving the last good one' : 'no server until the next save'}`);
      return false;
    }
    await this.close();
    next.send({ type: 'listen' });
    const listening = await reply(next, 'listening');
    if (!listening.ok) {
      say(`  ✗ server did not start: ${listening.message ?? 'it exited'}; the next save under src/ tries again`);
      return false;
    }
    this.#current = next;
    next.once('exit', (code) => {
      if (this.#current !== next) return;
      this.#current = undefined;
      say(`  ✗ server exited (${code}); the next save under src/ starts it again`);
    });
    return true;
  }

  /** Has the server swap in an app built from the rewritten bundles. */
  async reload(): Promise<boolean> {
    const child = this.#current;
    if (!child?.connected) return false;
    child.send({ type: 'reload' });
    const done = await reply(child, 'reloaded');
    if (!done.ok) say(`  ✗ server kept the last good spec: ${done.message ?? 'it exited'}`);
    return done.ok;
  }

  async close(): Promise<void> {
    const child = this.#current;
    this.#current = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      // Ctrl-C reaches the whole process group: the child may be on its way out already.
      if (child.connected) child.send({ type: 'close' }, (err) => err && child.kill());
      else child.kill();
    });
  }
}

type Reply = { ok: true } | { ok: false; message?: string };

/** The child's next message of this type, or its failure (a 'failed' message, or its exit). */
function reply(child: ChildProcess, type: string): Promise<Reply> {
  return new Promise((resolve) => {
    const onMessage = (m: { type: string; message?: string }) => {
      if (m.type !== type && m.type !== 'failed') return;
      done();
      resolve(m.type === type ? { ok: true } : { ok: false, message: m.message });
    };
    const onExit = () => (done(), resolve({ ok: false }));
    const done = () => (child.off('message', onMessage), child.off('exit', onExit));
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
