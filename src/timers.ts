/**
 * `timer.unref()`, where the timer has one: Node's timer objects do, but in jsdom (Jest's
 * usual test environment) and under some fake timers `setTimeout`/`setInterval` return a
 * plain number. The kit runs there too (the in-process API in a component test), so it never
 * assumes Node's timer objects.
 */
export function unref<T>(timer: T): T {
  (timer as { unref?: () => unknown } | null | undefined)?.unref?.();
  return timer;
}
