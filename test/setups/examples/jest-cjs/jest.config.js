/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  // jsdom with Node's fetch API (Jest's own jsdom environment has no fetch, Request or Response)
  testEnvironment: 'jest-fixed-jsdom',
  // For msw 2 only: its dependencies rettime, until-async and @open-draft/* are ES modules only,
  // which this mode cannot load untransformed; ts-jest compiles them to CommonJS (cached after the first run).
  transform: { '^.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' }, diagnostics: false }] },
  transformIgnorePatterns: ['/node_modules/(?!until-async/)(?!.*\\.mjs$)'],
};
