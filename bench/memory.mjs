// Heap per cached secret: a client `secret()`s N distinct KV v2 secrets (N = 1,000 and 10,000, to
// show the cost is linear) and the heap used after a full GC is compared before and after. The
// mock runs in a child process so none of its memory is counted. Needs --expose-gc; without it the
// script re-runs itself with the flag.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VaultKubernetesClient } from '../dist/index.js';
import { heapAfterGc } from './lib/heap.mjs';
import { CONFIG_PATH, ROLE, startMockProcess } from './lib/mock-process.mjs';
import { emit, printTable, quick, round } from './lib/report.mjs';

if (typeof globalThis.gc !== 'function') {
  const child = fork(fileURLToPath(import.meta.url), process.argv.slice(2), { execArgv: ['--expose-gc'] });
  child.on('exit', (code) => {
    process.exitCode = code ?? 1;
  });
} else {
  await main();
}

async function main() {
  // Quick mode stops at 5,000: the figure moves little past a few thousand (fixed costs spread).
  const SIZES = quick ? [1_000, 5_000] : [1_000, 10_000];
  const mock = await startMockProcess({ kvSecrets: Math.max(...SIZES) });
  const paths = Array.from(
    { length: Math.max(...SIZES) },
    (_, i) => `secret/data/bench/s${String(i).padStart(5, '0')}`,
  );

  // heap used without the code spaces: machine code the JIT emits while the loop runs is a
  // one-off that depends on timing.

  const newClient = () =>
    new VaultKubernetesClient({
      address: mock.address,
      auth: { role: ROLE, tokenPath: mock.tokenPath },
      logLevel: 'silent',
      // The default bound is 1,000; every secret must stay cached.
      secrets: { maxEntries: Math.max(...SIZES) },
    });
  const readRange = async (client, from, to) => {
    // One at a time: with many in flight the fetch pool opens sockets, and how many are still open
    // at the measurement (the server closes idle ones after 5 s) swung the figure by megabytes.
    for (let i = from; i < to; i++) await client.secret(paths[i]);
  };

  // A throwaway client first: it compiles the code paths and opens the keep-alive socket of the
  // process-wide fetch pool, fixed costs that would otherwise land on the first size.
  const warmup = newClient();
  await readRange(warmup, 0, SIZES[0]);
  await warmup.close();

  // One client, measured at each size: log in and read one secret first, since what every client
  // holds anyway is not per secret; then the heap at 1,000 and at 10,000 cached secrets.
  const client = newClient();
  await client.secret(CONFIG_PATH);
  const before = await heapAfterGc();
  const results = [];
  let done = 0;
  for (const n of SIZES) {
    await readRange(client, done, n);
    done = n;
    const heap = await heapAfterGc();
    results.push({
      secrets: n,
      heapDeltaMiB: round((heap - before) / 2 ** 20),
      bytesPerSecret: (heap - before) / n,
      heap,
    });
  }
  // All of them must still be cached: a second pass sends no request.
  const requests = await mock.count();
  for (const path of paths) await client.secret(path);
  if ((await mock.count()) !== requests) throw new Error('not all secrets stayed cached');
  await client.close();
  await mock.close();

  const [small, large] = results;
  // The slope between the two sizes leaves out whatever fixed cost the first secrets still carry.
  const marginal = (large.heap - small.heap) / (large.secrets - small.secrets);
  printTable(
    'Heap per cached KV v2 secret (2 short string fields): heap used (code spaces aside) after gc(), one logged-in client',
    [
      ['secrets', 'heap delta MiB', 'bytes per secret'],
      ...results.map((r) => [String(r.secrets), r.heapDeltaMiB, Math.round(r.bytesPerSecret)]),
      [
        `marginal, ${small.secrets} to ${large.secrets}`,
        round((large.heap - small.heap) / 2 ** 20),
        Math.round(marginal),
      ],
    ],
  );
  emit('memory', {
    secrets: large.secrets,
    bytesPerSecret: Math.round(large.bytesPerSecret),
    bytesPerSecretAt1000: Math.round(small.bytesPerSecret),
    marginalBytesPerSecret: Math.round(marginal),
    results: results.map(({ heap, ...r }) => ({ ...r, bytesPerSecret: Math.round(r.bytesPerSecret) })),
  });
}
