// msw 3 (the MSW major the in-process API supports) requires Node ≥ 22.12: it calls
// Promise.withResolvers and Set.prototype.intersection / difference. The kit itself runs on
// Node ≥ 20.19 and so does this suite; on Node 20 those three built-ins are supplied here,
// as Node 22 defines them, so the MSW tests run on every Node the kit supports. Nothing is
// replaced where the runtime has them.
type SetLike<T> = { has(value: T): boolean };

if (!('withResolvers' in Promise)) {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
      return { promise, resolve, reject };
    },
  });
}
for (const [name, keep] of [
  ['intersection', true],
  ['difference', false],
] as const) {
  if (name in Set.prototype) continue;
  Object.defineProperty(Set.prototype, name, {
    configurable: true,
    writable: true,
    value<T>(this: Set<T>, other: SetLike<T>) {
      return new Set([...this].filter((v) => other.has(v) === keep));
    },
  });
}
