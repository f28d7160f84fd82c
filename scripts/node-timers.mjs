// Injected into the CommonJS bundle of oauth-apps-api/testing (scripts/build-testing.mjs): these
// names then mean Node's timers there, whatever the test environment puts on the global object.
export { setImmediate, clearImmediate, setTimeout, clearTimeout, setInterval, clearInterval } from 'node:timers';
