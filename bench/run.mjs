// Runs every bench/*.mjs except this one, then every bench/peers/*.mjs (the side-by-side
// comparisons with node-vault and node-vault-client), each in its own child process (memory.mjs
// with --expose-gc), shows their output as it comes, and ends with one summary table built from
// the JSON line each prints last. `npm run bench` builds first, then runs this.
//   node bench/run.mjs                  all benches
//   node bench/run.mjs cold fleet       only those whose path (e.g. peers/cold-start.mjs) contains one of the words
//   node bench/run.mjs peers            only the side-by-side comparisons
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable, round } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const scripts = async (dir) =>
  (await readdir(join(here, dir)))
    .filter((f) => f.endsWith('.mjs') && f !== basename(fileURLToPath(import.meta.url)))
    .sort()
    .map((f) => (dir === '.' ? f : `${dir}/${f}`));
const files = [...(await scripts('.')), ...(await scripts('peers'))].filter(
  (f) => only.length === 0 || only.some((word) => f.includes(word)),
);

// Node flags a bench needs (memory.mjs would re-run itself with the flag anyway; this saves a process).
const NODE_FLAGS = { 'memory.mjs': ['--expose-gc'] };

function run(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [...(NODE_FLAGS[file] ?? []), join(here, file)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on('close', (code) => {
      // The last line that parses as {"bench": ...} is the bench's result.
      const json = out
        .trim()
        .split('\n')
        .reverse()
        .map((line) => {
          try {
            return JSON.parse(line);
          } catch {
            return undefined;
          }
        })
        .find((value) => value && typeof value === 'object' && 'bench' in value);
      resolve({ file, code, seconds: round((Date.now() - started) / 1000), result: json });
    });
  });
}

/** The few figures per bench worth a line in the summary; other benches get their JSON flattened. */
const HEADLINES = {
  'cold-start': (r) => [
    [
      'time to first secret, median (shared sockets)',
      `ours ${r.shared.ours.medianMs} ms, node-vault ${r.shared.nodeVault.medianMs} ms, ratio ${r.ratio.sharedTime}`,
    ],
    [
      'time to first secret, median (fresh connection)',
      `ours ${r.fresh.ours.medianMs} ms, node-vault ${r.fresh.nodeVault.medianMs} ms, ratio ${r.ratio.freshTime}`,
    ],
    [
      'round trips',
      `ours ${r.shared.ours.roundTrips}, node-vault ${r.shared.nodeVault.roundTrips}, ratio ${r.ratio.roundTrips}`,
    ],
  ],
  'cached-hit': (r) => [
    ['cached secret() hit', `${r.hitNs} ns, ${r.hitOverLruGet}x a bare lru-cache get (${r.lruGetNs} ns)`],
    ['cached hit over an awaited lru get', `${r.hitOverLruGetAwait}x (${r.lruGetAwaitNs} ns)`],
    [
      `${r.reads} reads: cached / uncached / node-vault`,
      `${r.oursCached.totalMs} / ${r.oursUncached.totalMs} / ${r.nodeVault.totalMs} ms`,
    ],
    [
      'uncached read over node-vault',
      `time ${r.uncachedOverNodeVault}x, client CPU ${r.uncachedCpuOverNodeVault}x`,
    ],
  ],
  'request-economy': (r) => [
    [
      'requests in 24 simulated hours',
      `ours ${r.ours.total}, Vault Agent model ${r.vaultAgentModel.total}, naive ${r.naive.total}`,
    ],
    [
      'of which lease renewals',
      `ours ${r.ours['sys/leases/renew']}, Vault Agent model ${r.vaultAgentModel['sys/leases/renew']}`,
    ],
  ],
  'mock-vault': (r) => [
    ['mock start + close, median', `${r.startClose?.medianMs} ms`],
    ...(r.throughput ?? []).map((t) => [`mock ${t.request}`, `${t.rps} req/s`]),
  ],
  memory: (r) => [
    ['heap per cached secret', `${r.bytesPerSecret} B at 10,000 (${r.bytesPerSecretAt1000} B at 1,000)`],
  ],
  fleet: (r) => [
    [
      `fleet of ${r.clients}: renewals peak/mean per second`,
      `jitter 0.1: ${r.jitter.peakOverMean} (peak ${r.jitter.peakPerSecond}/s); jitter 0: ${r.noJitter.peakOverMean} (peak ${r.noJitter.peakPerSecond}/s)`,
    ],
  ],
};

// The side-by-side comparisons: ours / node-vault / node-vault-client in each line.
const trio = (r, f) => `${f(r.ours ?? r.oursCached)} / ${f(r.nodeVault)} / ${f(r.nodeVaultClient)}`;
Object.assign(HEADLINES, {
  'peers-cold-start': (r) => [
    ['cold start: round trips, ours / node-vault / node-vault-client', trio(r.shared, (c) => c.roundTrips)],
    ['cold start: median ms (shared sockets)', trio(r.shared, (c) => c.medianMs)],
    ['cold start: median ms (fresh connection)', trio(r.fresh, (c) => c.medianMs)],
  ],
  'peers-reads': (r) => [
    [
      `${r.reads} reads, total ms: ours cached / ours read() / node-vault / node-vault-client`,
      `${r.oursCached.totalMs} / ${r.oursUncached.totalMs} / ${r.nodeVault.totalMs} / ${r.nodeVaultClient.totalMs}`,
    ],
    [
      'time x ours read(): node-vault / node-vault-client',
      `${r.overOursUncached.nodeVault} / ${r.overOursUncached.nodeVaultClient}`,
    ],
  ],
  'peers-requests-24h': (r) => [
    [
      'requests in 24 h: ours / node-vault helpers / + re-fetch / nvc read once / nvc read per use',
      [r.ours, r.nodeVault, r.nodeVaultRefetch, r.nodeVaultClient, r.nodeVaultClientEveryUse]
        .map((c) => c.total)
        .join(' / '),
    ],
    [
      'uses with a dead credential (of 1,440), same order',
      [r.ours, r.nodeVault, r.nodeVaultRefetch, r.nodeVaultClient, r.nodeVaultClientEveryUse]
        .map((c) => c.deadUses)
        .join(' / '),
    ],
  ],
  'peers-footprint': (r) => [
    [
      'installed MB (packages), ours / node-vault / node-vault-client',
      trio(r.install, (c) => (c.error ? 'not measured' : `${c.mb} (${c.packages})`)),
    ],
    [
      'import ms, main entry CJS, median',
      `${r.importMs.ours['main entry, CJS'].median} / ${r.importMs.nodeVault['main entry, CJS'].median} / ${r.importMs.nodeVaultClient['main entry, CJS'].median}`,
    ],
  ],
});

function flatten(value, prefix = '') {
  if (value === null || typeof value !== 'object') return [[prefix, String(value)]];
  return Object.entries(value).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}

const outcomes = [];
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  outcomes.push(await run(file));
}

const rows = [['bench', 'figure', 'value']];
for (const { file, code, seconds, result } of outcomes) {
  if (code !== 0 || !result) {
    rows.push([file, 'FAILED', `exit code ${code}${result ? '' : ', no JSON line'}`]);
    continue;
  }
  const { bench, ...figures } = result;
  const lines = HEADLINES[bench]?.(figures) ?? flatten(figures).slice(0, 8);
  for (const [figure, value] of lines) rows.push([bench, figure, value]);
  rows.push([bench, 'wall time', `${seconds} s`]);
}
printTable('Summary', rows);
if (outcomes.some((o) => o.code !== 0 || !o.result)) process.exitCode = 1;
