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
  // ESM: one build with shared chunks. zod, lru-cache, eventemitter3 and ky are bundled: Node's
  // ESM loader pays per file (resolve, read, compile, link), and zod alone is about a hundred
  // files; bundled, the main entry imports in about half the CPU (bench/import-cost.mjs). The
  // sources import zod as a namespace (`import * as z`), which lets esbuild drop what is unused,
  // zod's 60-odd locales among it. ky stays its own chunk, loaded at the first request; undici and
  // jose stay external, loaded only by what needs them (TLS dispatcher for the doctor, the mock).
  {
    ...shared,
    entry: { ...libraryEntries, cli: 'src/cli.ts' },
    format: ['esm'],
    dts: { entry: libraryEntries },
    splitting: true,
    treeshake: true,
    noExternal: ['zod', 'lru-cache', 'eventemitter3', 'ky'],
  },
  // CommonJS, written for jest's default CommonJS mode as much as for `require`:
  // - jest's module registry cannot load an ES module (ky and jose are ESM-only) nor run `import()`
  //   without --experimental-vm-modules, so ky and jose are bundled in, and the remaining dynamic
  //   imports (undici, ky, jose) become lazy `require`s (esbuild lowers `import()` when told the
  //   target lacks it). The bundled modules still initialise at their first use. zod, lru-cache
  //   and eventemitter3 are bundled for the same start-up reason as in the ESM build.
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
    noExternal: ['ky', 'jose', 'zod', 'lru-cache', 'eventemitter3'],
    esbuildOptions(options) {
      options.supported = { ...options.supported, 'dynamic-import': false };
    },
  },
]);
