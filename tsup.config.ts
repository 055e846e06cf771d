import { defineConfig } from 'tsup';

// One build, several entries: with splitting on, the CJS and ESM outputs each share
// chunks, so `instanceof VaultClientError` holds whichever subpath a class came from.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing.ts',
    cli: 'src/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', testing: 'src/testing.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
});
