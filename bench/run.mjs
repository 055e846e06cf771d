// Runs the benches, each in its own child process, shows their output as it comes, ends with one
// summary table built from the JSON line each prints last, and writes everything to
// bench/results.json (figures, ratios against the peers measured in the same run, and the
// machine they ran on). Builds dist/ first when src/ is newer than it.
//   npm run bench                     every bench, full sizes (several minutes)
//   npm run bench -- --quick          the headline figures, smaller sizes (about 90 s on 2 cores)
//   node bench/run.mjs cold fleet     only those whose path contains one of the words
//   node bench/run.mjs peers          only the side-by-side comparisons
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable, quick, round } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

/** The headline figures, in the order of the README's table: what `--quick` runs. */
const QUICK = [
  'peers/reads.mjs',
  'peers/first-secret.mjs',
  'cached-hit.mjs',
  'current.mjs',
  'memory.mjs',
  'memory-leased.mjs',
  'fleet.mjs',
  'redactor.mjs',
  'import-cost.mjs',
];
/**
 * Benches whose figures no load can move (bytes of heap; renewals counted on a simulated clock):
 * in quick mode they run side by side once the timed ones are done, which is most of what keeps
 * `--quick` under 90 s. Timed benches always run alone.
 */
const UNTIMED = new Set(['memory.mjs', 'memory-leased.mjs', 'fleet.mjs']);

// Node flags a bench needs.
const NODE_FLAGS = {
  'memory.mjs': ['--expose-gc'],
  // The redactor is measured from source (it is internal, not exported from dist).
  'redactor.mjs': ['--import', 'tsx', '--expose-gc'],
};

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function ensureBuilt() {
  let built = 0;
  try {
    built = statSync(join(repo, 'dist', 'index.js')).mtimeMs;
  } catch {
    // not built yet
  }
  if (built >= newest(join(repo, 'src'))) return;
  console.log('building dist/ (src/ is newer) ...');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: repo, stdio: 'inherit' });
}

const scripts = async (dir) =>
  (await readdir(join(here, dir)))
    .filter((f) => f.endsWith('.mjs') && f !== basename(fileURLToPath(import.meta.url)))
    .sort()
    .map((f) => (dir === '.' ? f : `${dir}/${f}`));
const all = [...(await scripts('.')), ...(await scripts('peers'))];
const files = (quick ? QUICK : all).filter((f) => only.length === 0 || only.some((word) => f.includes(word)));

/** A bench that runs past this is stopped and reported as failed, so one hang cannot stall the run. */
const LIMIT_MS = (quick ? 5 : 20) * 60_000;

/** Runs one bench; `echo` shows its output as it comes, otherwise all of it when it ends. */
function run(file, echo = true) {
  return new Promise((resolve) => {
    const started = Date.now();
    const flags = NODE_FLAGS[basename(file)] ?? [];
    const child = spawn(process.execPath, [...flags, join(here, file), ...(quick ? ['--quick'] : [])], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (echo) process.stdout.write(chunk);
    });
    const limit = setTimeout(() => {
      console.error(`${file} ran past ${LIMIT_MS / 60_000} min: stopped`);
      child.kill('SIGKILL');
    }, LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(limit);
      if (!echo)
        process.stdout.write(`\n=== ${file} (quick, ran beside the other untimed benches) ===\n${out}`);
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
  'peers-reads': (r) => [
    [
      `${r.reads} reads, total ms: ours cached / ours read() / node-vault / node-vault-client`,
      `${r.oursCached.totalMs} / ${r.oursUncached.totalMs} / ${r.nodeVault.totalMs} / ${r.nodeVaultClient?.totalMs ?? 'not run (quick)'}`,
    ],
    [
      'uncached read(), time x node-vault: median rounds / per-round ratios min-median-max',
      `${round(r.oursUncached.totalMs / r.nodeVault.totalMs)} / ${r.roundsOverNodeVault.oursTime.min}-${r.roundsOverNodeVault.oursTime.median}-${r.roundsOverNodeVault.oursTime.max}`,
    ],
    [
      'floor (bare node:http GET), time x node-vault',
      `${r.floorOverNodeVault} (ours spends ${r.oursBeyondFloorOverNodeVaultBeyondFloor}x what node-vault spends beyond it)`,
    ],
    [
      'uncached read(), client CPU x node-vault',
      `${round(r.oursUncached.cpuUsPerOp / r.nodeVault.cpuUsPerOp)}`,
    ],
  ],
  'peers-first-secret': (r) => [
    [
      'fresh process to first secret, spawn to exit, median ms: ours / node-vault',
      `${r.ours.medianMs} / ${r.nodeVault.medianMs} (x ${r.oursOverNodeVault.time}; CPU x ${r.oursOverNodeVault.cpu})`,
    ],
    [
      'close() to process exit, median ms: ours / node-vault',
      `${r.ours.afterCloseMedianMs} / ${r.nodeVault.afterCloseMedianMs}`,
    ],
  ],
  'cached-hit': (r) => [
    ['cached secret() hit', `${r.hitNs} ns, ${r.hitOverLruGet}x a bare lru-cache get (${r.lruGetNs} ns)`],
    ['cached hit over an awaited lru get', `${r.hitOverLruGetAwait}x (${r.lruGetAwaitNs} ns)`],
  ],
  current: (r) => [
    ['current()', `${r.currentNs} ns, ${r.currentOverLruGet}x a bare lru-cache get (${r.lruGetNs} ns)`],
  ],
  memory: (r) => [['heap per cached secret', `${r.bytesPerSecret} B at ${r.secrets.toLocaleString('en')}`]],
  'memory-leased': (r) => [
    [
      'heap per cached leased secret, beyond its payload',
      `${r.beyondPayloadBytes} B at ${r.secrets.toLocaleString('en')}`,
    ],
  ],
  fleet: (r) => [
    [
      `fleet of ${r.clients}: renewals peak/mean per minute / per 10 s / per second`,
      `${r.jitter.peakOverMeanPerMinute} / ${r.jitter.peakOverMeanPer10s} / ${r.jitter.peakOverMean}${r.noJitter ? `; without jitter ${r.noJitter.peakOverMeanPerMinute} / ${r.noJitter.peakOverMeanPer10s} / ${r.noJitter.peakOverMean}` : ''}`,
    ],
  ],
  redactor: (r) => [
    [
      'scrubbing a log line, 10,000 secrets known',
      `${r.sizes.find((s) => s.secrets === 10_000)?.cleanNs} ns (${r.at10kOverNone}x none known; looking for each in turn: ${r.linearAt10kOverOurs}x slower)`,
    ],
  ],
  'import-cost': (r) => [
    [
      'import CPU ms: ours (main entry) / ky (at the first request) / node-vault',
      ['vault-kubernetes-client (dist, main entry)', 'ky', 'node-vault'].map((k) => r.cpuMs[k]).join(' / '),
    ],
  ],
  'request-economy': (r) => [
    [
      'requests in 24 simulated hours',
      `ours ${r.ours.total}, Vault Agent model ${r.vaultAgentModel.total}, naive ${r.naive.total}`,
    ],
  ],
  'mock-vault': (r) => [
    ['mock start + close, median', `${r.startClose?.medianMs} ms`],
    ...(r.throughput ?? []).map((t) => [`mock ${t.request}`, `${t.rps} req/s`]),
  ],
};
const trio = (r, f) => `${f(r.ours ?? r.oursCached)} / ${f(r.nodeVault)} / ${f(r.nodeVaultClient)}`;
Object.assign(HEADLINES, {
  'peers-cold-start': (r) => [
    [
      'cold start in one process: round trips, ours / node-vault / node-vault-client',
      trio(r.shared, (c) => c.roundTrips),
    ],
    ['cold start in one process: median ms (fresh connection)', trio(r.fresh, (c) => c.medianMs)],
  ],
  'peers-requests-24h': (r) => [
    [
      'requests in 24 h: ours / node-vault helpers / + re-fetch / nvc read once / nvc read per use',
      [r.ours, r.nodeVault, r.nodeVaultRefetch, r.nodeVaultClient, r.nodeVaultClientEveryUse]
        .map((c) => c.total)
        .join(' / '),
    ],
  ],
  'peers-footprint': (r) => [
    [
      'installed MB (packages), ours / node-vault / node-vault-client',
      trio(r.install, (c) => (c.error ? 'not measured' : `${c.mb} (${c.packages})`)),
    ],
  ],
});

function flatten(value, prefix = '') {
  if (value === null || typeof value !== 'object') return [[prefix, String(value)]];
  return Object.entries(value).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}

const began = Date.now();
ensureBuilt();
const benchStarted = Date.now();
const outcomes = [];
const together = quick ? files.filter((f) => UNTIMED.has(basename(f))) : [];
for (const file of files.filter((f) => !together.includes(f))) {
  console.log(`\n=== ${file}${quick ? ' (quick)' : ''} ===`);
  outcomes.push(await run(file));
}
if (together.length > 0) {
  console.log(`\n=== ${together.join(', ')} (quick, side by side) ===`);
  outcomes.push(...(await Promise.all(together.map((file) => run(file, false)))));
  // Keep the summary in the README's order.
  outcomes.sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file));
}
const benchSeconds = round((Date.now() - benchStarted) / 1000);

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
printTable(`Summary${quick ? ' (quick)' : ''}: benches ran in ${benchSeconds} s`, rows);

const results = {
  generatedAt: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  machine: {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: round(totalmem() / 2 ** 30),
    loadAverageAtStart: loadavg().map((l) => round(l)),
  },
  seconds: { total: round((Date.now() - began) / 1000), benches: benchSeconds },
  benches: Object.fromEntries(
    outcomes.map(({ file, code, seconds, result }) => [
      file,
      { exitCode: code, seconds, ...(result ? { result } : { error: 'no JSON line' }) },
    ]),
  ),
};
writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote bench/results.json (${results.mode}, ${results.seconds.total} s in all)`);
if (outcomes.some((o) => o.code !== 0 || !o.result)) process.exitCode = 1;
