// Cold start to the first secret: construct a client, log in with the pod's service-account token,
// read secret/data/myapp/config. Ours versus node-vault 0.12.0 driven by hand the way its users
// write it (read the JWT file, kubernetesLogin, read). Round trips come from the mock's audit log;
// the mock runs in a child process so its work does not land on the clients' event loop.
//
// Two connection set-ups, because they answer different questions:
// - "shared": each library's default, so a new client reuses the process's keep-alive sockets
//   (Node's global fetch dispatcher for ours, http.globalAgent for axios inside node-vault);
// - "fresh": each run gets its own connection pool, as a pod that has just started does.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import nodeVault from 'node-vault';
import { Agent } from 'undici';
import { VaultKubernetesClient } from '../dist/index.js';
import { CONFIG_PATH, ROLE, startMockProcess } from './lib/mock-process.mjs';
import { emit, median, percentile, printTable, round } from './lib/report.mjs';

const RUNS = 30;
const WARMUP = 3;

const mock = await startMockProcess();

async function ours(fresh) {
  const agent = fresh ? new Agent() : undefined;
  const options = {
    address: mock.address,
    auth: { role: ROLE, tokenPath: mock.tokenPath },
    logLevel: 'silent',
    // The same hook the client uses for its own TLS dispatcher: global fetch with a given pool.
    ...(agent ? { fetch: (input, init) => fetch(input, { ...init, dispatcher: agent }) } : {}),
  };
  const before = await mock.count();
  const started = performance.now();
  const client = new VaultKubernetesClient(options);
  const secret = await client.secret(CONFIG_PATH);
  const ms = performance.now() - started;
  const trips = (await mock.count()) - before;
  if (secret.data.username !== 'app-user') throw new Error('ours read the wrong secret');
  await client.close();
  await agent?.close();
  return { ms, trips };
}

async function theirs(fresh) {
  // keepAlive false: the socket closes after each exchange, so the login opens a new connection.
  const agent = fresh ? new http.Agent({ keepAlive: false }) : undefined;
  const before = await mock.count();
  const started = performance.now();
  const vault = nodeVault({ endpoint: mock.address, ...(agent ? { requestOptions: { httpAgent: agent } } : {}) });
  const jwt = await readFile(mock.tokenPath, 'utf8');
  await vault.kubernetesLogin({ role: ROLE, jwt, mount_point: 'kubernetes' });
  const res = await vault.read(CONFIG_PATH);
  const ms = performance.now() - started;
  const trips = (await mock.count()) - before;
  if (res.data.data.username !== 'app-user') throw new Error('node-vault read the wrong secret');
  agent?.destroy();
  return { ms, trips };
}

const results = {};
for (const mode of ['shared', 'fresh']) {
  const runs = { ours: [], theirs: [] };
  for (let i = 0; i < WARMUP + RUNS; i++) {
    // Alternate who goes first so drift on a busy machine falls on both sides alike.
    const order = i % 2 === 0 ? ['ours', 'theirs'] : ['theirs', 'ours'];
    for (const who of order) {
      const run = who === 'ours' ? await ours(mode === 'fresh') : await theirs(mode === 'fresh');
      if (i >= WARMUP || (mode === 'shared' && i === 0)) runs[who].push(run);
    }
  }
  // In "shared" the very first run of each (before any JIT or open socket) is kept apart.
  const first = mode === 'shared' ? { ours: runs.ours.shift(), theirs: runs.theirs.shift() } : undefined;
  const summary = (list) => ({
    medianMs: round(median(list.map((r) => r.ms))),
    p95Ms: round(percentile(list.map((r) => r.ms), 95)),
    roundTrips: median(list.map((r) => r.trips)),
  });
  results[mode] = { ours: summary(runs.ours), nodeVault: summary(runs.theirs) };
  if (first) results[mode].firstRunMs = { ours: round(first.ours.ms), nodeVault: round(first.theirs.ms) };
}
await mock.close();

const rows = [['connections', 'client', 'median ms', 'p95 ms', 'round trips']];
for (const [mode, r] of Object.entries(results)) {
  rows.push([mode, 'vault-kubernetes-client', r.ours.medianMs, r.ours.p95Ms, r.ours.roundTrips]);
  rows.push([mode, 'node-vault 0.12.0 by hand', r.nodeVault.medianMs, r.nodeVault.p95Ms, r.nodeVault.roundTrips]);
  rows.push([
    mode,
    'ratio ours / node-vault',
    round(r.ours.medianMs / r.nodeVault.medianMs),
    round(r.ours.p95Ms / r.nodeVault.p95Ms),
    round(r.ours.roundTrips / r.nodeVault.roundTrips),
  ]);
}
printTable(
  `Cold start to the first secret (construct, Kubernetes login, read ${CONFIG_PATH}); ${RUNS} runs after ${WARMUP} warm-up, mock in a child process`,
  rows,
);
console.log(
  `first run in the process (JIT cold, no open socket): ours ${results.shared.firstRunMs.ours} ms, node-vault ${results.shared.firstRunMs.nodeVault} ms`,
);
emit('cold-start', {
  runs: RUNS,
  ...results,
  ratio: {
    sharedTime: round(results.shared.ours.medianMs / results.shared.nodeVault.medianMs),
    freshTime: round(results.fresh.ours.medianMs / results.fresh.nodeVault.medianMs),
    roundTrips: round(results.shared.ours.roundTrips / results.shared.nodeVault.roundTrips),
  },
});
