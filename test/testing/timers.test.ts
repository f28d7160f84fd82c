import { afterEach, expect, it, vi } from 'vitest';
import { createOauthAppsClient } from 'oauth-apps-api-client';
import { unref } from '../../src/timers.js';
import { createInProcessApi } from '../../src/testing/index.js';

// In jsdom (Jest's usual test environment: its window's timers) and under some fake timers,
// setTimeout/setInterval return a number, not Node's Timeout object with unref(). The kit
// must not assume one: `setInterval(...).unref()` in the sandbox made createInProcessApi
// throw there (issue #25). These timers are jsdom's shape: numeric handles over the real ones.
function numericTimers() {
  const real = { setTimeout, setInterval, clearTimeout, clearInterval };
  const handles = new Map<number, ReturnType<typeof setTimeout>>();
  let next = 1;
  const wrap = (create: typeof setTimeout) => (fn: () => void, ms?: number) => {
    const id = next++;
    handles.set(id, create(fn, ms));
    return id;
  };
  const clear = (clearReal: typeof clearTimeout) => (id?: number) => {
    clearReal(handles.get(id!));
    handles.delete(id!);
  };
  vi.stubGlobal('setTimeout', wrap(real.setTimeout as typeof setTimeout));
  vi.stubGlobal('setInterval', wrap(real.setInterval as unknown as typeof setTimeout));
  vi.stubGlobal('clearTimeout', clear(real.clearTimeout));
  vi.stubGlobal('clearInterval', clear(real.clearInterval));
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

it('runs the in-process API where timers are numbers (as in jsdom)', async () => {
  numericTimers();
  expect(typeof setInterval(() => undefined, 1000)).toBe('number'); // the stub is in force
  const api = await createInProcessApi({ seed: false });
  try {
    const client = createOauthAppsClient({ baseUrl: 'http://api.test', token: 'test-token', fetch: api.fetch });
    const created = await client.POST('/v1/oauth-apps', { body: { provider: 'stripe', client_id: 'jsdom', client_secret: 's3cret', name: 'jsdom' } });
    expect(created.response.status).toBe(200);
    const ns = await api.createNamespace({ seed: false });
    expect((await ns.api.GET('/v1/oauth-apps', {})).data?.data).toEqual([]);
  } finally {
    await api.close();
  }
});

it('runs the in-process API under vitest fake timers', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] });
  const api = await createInProcessApi({ seed: false });
  try {
    const res = await api.fetch('http://api.test/v1/oauth-apps', { headers: { authorization: 'Bearer test-token' } });
    expect(res.status).toBe(200);
  } finally {
    await api.close();
  }
});

it('unref() leaves a numeric handle alone and unrefs a Node timer', () => {
  expect(unref(42)).toBe(42);
  const timer = setTimeout(() => undefined, 1000);
  try {
    expect(unref(timer).hasRef()).toBe(false);
  } finally {
    clearTimeout(timer);
  }
});
