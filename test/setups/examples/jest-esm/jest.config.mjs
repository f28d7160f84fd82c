/** @type {import('jest').Config} */
export default {
  transform: {}, // plain ES modules: run with NODE_OPTIONS=--experimental-vm-modules
  // jsdom with Node's fetch API (Jest's own jsdom environment has no fetch, Request or Response)
  testEnvironment: 'jest-fixed-jsdom',
};
