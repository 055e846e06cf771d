// Where a fresh process's start-up goes: the CPU time to import each runtime dependency alone,
// and the library's own main entry (zod, lru-cache and eventemitter3 bundled into it; ky, bundled
// as its own chunk, and node:https load at the first request that needs them; jose only in the
// mock), next to node-vault. The packages alone are imported as published, file by file. One
// fresh process per sample, CPU time (user + system) inside it around the import only, median.
// `Request` is Node's own fetch implementation, which ky touches at import.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { emit, median, printTable, quick, round } from './lib/report.mjs';

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLES = quick ? 5 : 15;

const MODULES = {
  'vault-kubernetes-client (dist, main entry)': `await import(${JSON.stringify(join(repo, 'dist', 'index.js'))})`,
  zod: "await import('zod')",
  ky: "await import('ky')",
  jose: "await import('jose')",
  'lru-cache': "await import('lru-cache')",
  eventemitter3: "await import('eventemitter3')",
  "Node's Request (fetch)": "new Request('http://localhost/')",
  'node:https': "await import('node:https')",
  'node-vault': "(await import('node:module')).createRequire(import.meta.url)('node-vault')",
};

async function sample(code) {
  const script = `const c = process.cpuUsage(); ${code}; const u = process.cpuUsage(c); console.log((u.user + u.system) / 1000);`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: repo });
  return Number(stdout.trim());
}

// Quick mode: the main entry, ky (loaded at the first request) and node-vault, for the ratio.
const QUICK_NAMES = ['vault-kubernetes-client (dist, main entry)', 'ky', 'node-vault'];
const names = quick ? QUICK_NAMES : Object.keys(MODULES);
const samples = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < SAMPLES; i++) for (const name of names) samples[name].push(await sample(MODULES[name]));
const result = Object.fromEntries(names.map((n) => [n, round(median(samples[n]))]));
const nodeVault = result['node-vault'];
printTable(`Import cost in a fresh process, CPU ms, median of ${SAMPLES}`, [
  ['module', 'CPU ms', 'x node-vault'],
  ...names.map((n) => [n, result[n], round(result[n] / nodeVault)]),
]);
emit('import-cost', { samples: SAMPLES, cpuMs: result });
