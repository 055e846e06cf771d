// Heap per cached secret: a client `secret()`s N distinct KV v2 secrets (N = 1,000 and 10,000, to
// show the cost is linear) and the heap used after a full GC is compared before and after. The
// mock runs in a child process so none of its memory is counted. Needs --expose-gc; without it the
// script re-runs itself with the flag.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VaultKubernetesClient } from '../dist/index.js';
import { CONFIG_PATH, ROLE, startMockProcess } from './lib/mock-process.mjs';
import { emit, printTable, round } from './lib/report.mjs';

if (typeof globalThis.gc !== 'function') {
  const child = fork(fileURLToPath(import.meta.url), process.argv.slice(2), { execArgv: ['--expose-gc'] });
  child.on('exit', (code) => {
    process.exitCode = code ?? 1;
  });
} else {
  await main();
}

async function main() {
  const SIZES = [1_000, 10_000];
  const BATCH = 100;
  const mock = await startMockProcess({ kvSecrets: Math.max(...SIZES) });
  const paths = Array.from(
    { length: Math.max(...SIZES) },
    (_, i) => `secret/data/bench/s${String(i).padStart(5, '0')}`,
  );

  const heapAfterGc = () => {
    // Two passes: the first may only queue finalizers (weak refs, AbortSignal.any) for the second.
    globalThis.gc();
    globalThis.gc();
    return process.memoryUsage().heapUsed;
  };

  const newClient = (maxEntries) =>
    new VaultKubernetesClient({
      address: mock.address,
      auth: { role: ROLE, tokenPath: mock.tokenPath },
      logLevel: 'silent',
      secrets: { maxEntries }, // the default bound is 1,000; every secret must stay cached
    });
  const readAll = async (client, n) => {
    for (let i = 0; i < n; i += BATCH) {
      await Promise.all(paths.slice(i, i + BATCH).map((path) => client.secret(path)));
    }
  };

  // A throwaway client first: it compiles the code paths and opens the BATCH keep-alive sockets
  // of the process-wide fetch pool, fixed costs that would otherwise land on the first size.
  const warmup = newClient(1_000);
  await readAll(warmup, 1_000);
  await warmup.close();

  const results = [];
  for (const n of SIZES) {
    const client = newClient(n);
    // Log in and read one secret first: what every client holds anyway is not per secret.
    await client.secret(CONFIG_PATH);
    const before = heapAfterGc();
    await readAll(client, n);
    const after = heapAfterGc();
    // All of them must still be cached: a second pass sends no request.
    const requests = await mock.count();
    for (const path of paths.slice(0, n)) await client.secret(path);
    if ((await mock.count()) !== requests) throw new Error(`not all ${n} secrets stayed cached`);
    results.push({
      secrets: n,
      heapDeltaMB: round((after - before) / 2 ** 20),
      bytesPerSecret: (after - before) / n,
    });
    await client.close();
  }
  await mock.close();

  printTable('Heap per cached KV v2 secret (2 short string fields), heapUsed after gc(), before vs after', [
    ['secrets', 'heap delta MiB', 'bytes per secret'],
    ...results.map((r) => [String(r.secrets), r.heapDeltaMB, Math.round(r.bytesPerSecret)]),
  ]);
  emit('memory', {
    bytesPerSecret: Math.round(results.at(-1).bytesPerSecret),
    bytesPerSecretAt1000: Math.round(results[0].bytesPerSecret),
    results: results.map((r) => ({ ...r, bytesPerSecret: Math.round(r.bytesPerSecret) })),
  });
}
