import { defineConfig } from 'vitest/config';

// Its own config, so vitest does not pick up the repository's (which maps the package to src/).
export default defineConfig({ test: { include: ['vitest/**/*.test.ts'] } });
