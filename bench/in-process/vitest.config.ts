import { defineConfig } from 'vitest/config';

// Only the benchmark's two fixture files. The package is imported from its build (dist/), as
// a consumer's node_modules would give it: externalized, so Node loads it without Vite's transform.
export default defineConfig({
  test: {
    include: ['bench/in-process/*.fixture.ts'],
    server: { deps: { external: [/\/dist\//, /\/packages\/client\/(esm|cjs)\//] } },
  },
});
