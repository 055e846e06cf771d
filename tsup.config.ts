import { defineConfig } from 'tsup';

// One build, several entries: with splitting on, the CJS and ESM outputs each share
// chunks, so `instanceof VaultClientError` holds whichever subpath a class came from.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing.ts',
    express: 'src/express.ts',
    nest: 'src/nest.ts',
    pg: 'src/pg.ts',
    mysql2: 'src/mysql2.ts',
    cli: 'src/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: {
    entry: {
      index: 'src/index.ts',
      testing: 'src/testing.ts',
      express: 'src/express.ts',
      nest: 'src/nest.ts',
      pg: 'src/pg.ts',
      mysql2: 'src/mysql2.ts',
    },
  },
  // The integrations import the package by name: kept external, dist/express.js loads the package's
  // own main entry at run time (a self-reference through `exports`), so every entry shares one core.
  external: ['vault-kubernetes-client'],
  clean: true,
  // No source maps: they would double the installed size, and the code is readable as built.
  sourcemap: false,
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
});
