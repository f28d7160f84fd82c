import type { Express } from 'express';

/**
 * light-my-request, handed an Express app, re-parents the prototypes of its request and
 * response onto its own fakes. Those prototypes are Express's, shared by every Express app in
 * the process: an HTTP server (or proxy) in the same process would then get requests and
 * responses it cannot use. A private copy of them keeps that change to this app (the
 * in-process API's, and the usage check's replay app).
 */
export function keepPrototypesToItself(app: Express): Express {
  for (const key of ['request', 'response'] as const) {
    const shared = Object.getPrototypeOf(app[key]) as object;
    Object.setPrototypeOf(app[key], Object.create(Object.getPrototypeOf(shared), Object.getOwnPropertyDescriptors(shared)));
  }
  return app;
}
