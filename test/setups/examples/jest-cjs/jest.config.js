/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  // jsdom with Node's fetch API (Jest's own jsdom environment has no fetch, Request or Response)
  testEnvironment: 'jest-fixed-jsdom',
};
