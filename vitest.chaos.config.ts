import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The chaos and soak suite (`npm run test:chaos`): only test/chaos, which the main config leaves
 * out. The aliases are vitest.config.ts's (importing that file trips Vite's native config loader).
 */
export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^vault-kubernetes-client$/,
        replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
      },
      {
        find: /^vault-kubernetes-client\/(.*)$/,
        replacement: fileURLToPath(new URL('./src/$1.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['test/chaos/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
