import { defineConfig } from 'vitest/config';

/**
 * `npm run test:package`: the packed tarball, installed and loaded as users load it. It needs a
 * built dist (`npm run build`) and never builds, so `npm test` stays fast on a fresh clone.
 */
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
