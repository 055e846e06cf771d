import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

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
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // On their own: the chaos and soak suite (`npm run test:chaos`), the packed package
    // (`npm run test:package`) and the consumer projects (`npm run test:consumers`), which need a build.
    exclude: [...configDefaults.exclude, 'test/chaos/**', 'test/consumers/**', 'test/package/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
