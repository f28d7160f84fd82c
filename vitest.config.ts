import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Server tests bind real ports and spawn child processes; give them room on 2 cores.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
