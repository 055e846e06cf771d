#!/usr/bin/env node
// `npm run test:consumers`: installs the packed package into fresh projects and runs each one as
// its users would, with the Node that runs this script:
//   jest-ts      jest in its default CommonJS mode with ts-jest (typechecks, moduleResolution node10)
//   jest-babel   jest in its default CommonJS mode with babel-jest
//   vitest       vitest (ESM)
//   node-test    node:test, over both `import` and `require` (the shared scenario, its types
//                stripped by writeNodeScenarios into an ES module and a CommonJS one)
//   types-*      tsc over TypeScript setups: node10 resolution, exactOptionalPropertyTypes, and the
//                app's own schema library (zod 3.25, zod 4, valibot) through Standard Schema
// No --experimental-vm-modules, transformIgnorePatterns or moduleNameMapper anywhere, no
// --forceExit: each runner must exit by itself. Needs a built dist (`npm run build`); it never
// builds, so it cannot test something other than what was built, and refuses a stale dist.
// Network: the npm registry only (the projects' own lockfile and the package's dependencies).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const node = process.execPath;
const bin = (pkg, file) => join(here, 'node_modules', pkg, file);

/** Each project: a name and the command that runs it (in this folder). */
const projects = [
  { name: 'jest-ts', args: [bin('jest', 'bin/jest.js'), '--ci', '--config', 'jest-ts/jest.config.js'] },
  { name: 'jest-babel', args: [bin('jest', 'bin/jest.js'), '--ci', '--config', 'jest-babel/jest.config.js'] },
  { name: 'vitest', args: [bin('vitest', 'vitest.mjs'), 'run', '--config', 'vitest/vitest.config.mts'] },
  { name: 'node-test', args: ['--test', 'node-test/esm.test.mjs', 'node-test/cjs.test.cjs'] },
  { name: 'types-node10', args: [bin('typescript', 'bin/tsc'), '-p', 'types-node10/tsconfig.json'] },
  { name: 'types-exact', args: [bin('typescript', 'bin/tsc'), '-p', 'types-exact/tsconfig.json'] },
  { name: 'types-schemas', args: [bin('typescript', 'bin/tsc'), '-p', 'types-schemas/tsconfig.json'] },
];

// A runner that has not exited this long after starting is taken to hang (an open handle).
const HANG_MS = 120_000;
// What jest prints when something keeps the process alive after the tests.
const JEST_OPEN_HANDLE = 'Jest did not exit one second after the test run has completed';

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function sh(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout}${result.stderr}`);
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
  }
  return result.stdout;
}

function checkDist() {
  const built = join(root, 'dist', 'index.cjs');
  if (!existsSync(built)) throw new Error('no dist/: run `npm run build` first');
  if (newestMtime(join(root, 'src')) > statSync(built).mtimeMs)
    throw new Error('dist/ is older than src/: run `npm run build` first');
}

function install() {
  const lock = join(here, 'package-lock.json');
  const installed = join(here, 'node_modules', '.package-lock.json');
  if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs)
    sh('npm', ['ci', '--no-audit', '--no-fund'], here);
  const packDir = join(root, '.tmp', 'consumers-pack');
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  const tarball = sh('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packDir], root)
    .trim()
    .split('\n')
    .at(-1);
  // As a user installs it: the tarball's own dependencies resolved by npm. --no-save keeps this
  // project's manifest and lockfile untouched.
  sh('npm', ['install', '--no-save', '--no-audit', '--no-fund', join(packDir, tarball)], here);
}

/**
 * node:test runs what Node loads as it is: the one shared scenario (shared/scenario.ts), its types
 * stripped by this project's TypeScript, written next to the node:test files as an ES module and as
 * a CommonJS one, so each imports or requires the package itself and the two builds run the same
 * steps as every other project. Written anew at each run; git ignores them.
 */
function writeNodeScenarios() {
  const ts = createRequire(join(here, 'package.json'))('typescript');
  const source = readFileSync(join(here, 'shared', 'scenario.ts'), 'utf8');
  const header = '// Generated by run.mjs from ../shared/scenario.ts: edit that file, not this one.\n';
  for (const [file, module] of [
    ['scenario.mjs', ts.ModuleKind.ESNext],
    ['scenario.cjs', ts.ModuleKind.CommonJS],
  ]) {
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: 'scenario.ts',
    });
    writeFileSync(join(here, 'node-test', file), header + outputText);
  }
}

function run(project) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(node, project.args, {
      cwd: here,
      env: { ...process.env, CI: 'true', FORCE_COLOR: '0' },
    });
    let output = '';
    let problem;
    const stop = (why) => {
      problem ??= why;
      child.kill('SIGKILL');
    };
    const onData = (chunk) => {
      output += chunk;
      if (output.includes(JEST_OPEN_HANDLE)) stop('jest did not exit by itself (an open handle)');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => stop(`still running after ${HANG_MS / 1000} s (it hangs)`), HANG_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!problem && code !== 0) problem = `exit code ${code}`;
      resolve({ name: project.name, ok: !problem, problem, output, ms: Date.now() - started });
    });
  });
}

async function main() {
  checkDist();
  install();
  writeNodeScenarios();
  let passed = 0;
  let failed = 0;
  for (const project of projects) {
    const result = await run(project);
    if (result.ok) passed++;
    else {
      failed++;
      process.stdout.write(`${result.output}\n`);
    }
    process.stdout.write(
      `${result.ok ? 'ok  ' : 'FAIL'} ${result.name} (${(result.ms / 1000).toFixed(1)} s)${result.ok ? '' : `: ${result.problem}`}\n`,
    );
  }
  process.stdout.write(`consumers (Node ${process.versions.node}): ${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
