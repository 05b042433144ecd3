import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Rebuilds dist/ once when it is older than src/ (the CLI tests run the build).
    globalSetup: ['test/global-setup.mjs'],
    // The JSON report feeds scripts/run-tests.mjs, which prints the "N passed, N failed" line CI reads.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
  },
});
