import { defineConfig, type Options } from 'tsup';

const libraryEntries = {
  index: 'src/index.ts',
  testing: 'src/testing.ts',
  express: 'src/express.ts',
  nest: 'src/nest.ts',
  pg: 'src/pg.ts',
  mysql2: 'src/mysql2.ts',
  knex: 'src/knex.ts',
};

const shared = {
  // The integrations import the package by name: kept external, dist/express.js loads the package's
  // own main entry at run time (a self-reference through `exports`), so every entry shares one core
  // and `instanceof VaultClientError` holds whichever subpath a class came from.
  external: ['vault-kubernetes-client'],
  // `npm run build` empties dist first: the two builds below run at once, and a clean in either
  // would race the other's output.
  clean: false,
  // No source maps: they would double the installed size, and the code is readable as built.
  sourcemap: false,
  target: 'node20',
  platform: 'node',
} satisfies Options;

export default defineConfig([
  // ESM: one build with shared chunks. ky, undici and jose stay external and load at the first
  // request that needs them (dynamic import), which keeps the main entry's import time low.
  {
    ...shared,
    entry: { ...libraryEntries, cli: 'src/cli.ts' },
    format: ['esm'],
    dts: { entry: libraryEntries },
    splitting: true,
    treeshake: true,
  },
  // CommonJS, written for jest's default CommonJS mode as much as for `require`:
  // - jest's module registry cannot load an ES module (ky and jose are ESM-only) nor run `import()`
  //   without --experimental-vm-modules, so ky and jose are bundled in, and the remaining dynamic
  //   imports (undici, ky, jose) become lazy `require`s (esbuild lowers `import()` when told the
  //   target lacks it). The bundled modules still initialise at their first use.
  // - No splitting: tsup turns split chunks into CJS with sucrase, which miscompiles jose's classes.
  //   Nothing needs sharing: the integrations reach the core through the package name, and the mock
  //   never imports the client. Each entry is one self-contained file.
  // - No bin here: the bin is the ESM cli.js.
  {
    ...shared,
    entry: libraryEntries,
    format: ['cjs'],
    dts: { entry: libraryEntries },
    splitting: false,
    treeshake: false,
    noExternal: ['ky', 'jose'],
    esbuildOptions(options) {
      options.supported = { ...options.supported, 'dynamic-import': false };
    },
  },
]);
