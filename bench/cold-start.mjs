// Cold start to the first secret: construct a client, log in with the pod's service-account token,
// read secret/data/myapp/config. Ours versus node-vault 0.12.0 driven by hand the way its users
// write it (read the JWT file, kubernetesLogin, read). Round trips come from the mock's audit log;
// the mock runs in a child process so its work does not land on the clients' event loop.
//
// Two connection set-ups, because they answer different questions:
// - "shared": each library's default, so a new client reuses the process's keep-alive sockets
//   (Node's global fetch dispatcher for ours, http.globalAgent for axios inside node-vault);
// - "fresh": each run gets its own connection pool, as a pod that has just started does.

import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import nodeVault from 'node-vault';
import { Agent } from 'undici';
import { VaultKubernetesClient } from '../dist/index.js';
import { CONFIG_PATH, ROLE, startMockProcess } from './lib/mock-process.mjs';
import { emit, median, percentile, printTable, round } from './lib/report.mjs';

const RUNS = 30;
const WARMUP = 3;

const mock = await startMockProcess();

/** CPU time of this process since `start`: the client's own work, the mock's is in the child. */
function cpuSince(start) {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

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
  const cpu = process.cpuUsage();
  const started = performance.now();
  const client = new VaultKubernetesClient(options);
  const secret = await client.secret(CONFIG_PATH);
  const ms = performance.now() - started;
  const cpuMs = cpuSince(cpu);
  const trips = (await mock.count()) - before;
  if (secret.data.username !== 'app-user') throw new Error('ours read the wrong secret');
  await client.close();
  await agent?.close();
  return { ms, cpuMs, trips };
}

async function theirs(fresh) {
  // A pool of its own, keep-alive like ours, so login and read share one new connection.
  const agent = fresh ? new http.Agent({ keepAlive: true }) : undefined;
  const before = await mock.count();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const vault = nodeVault({
    endpoint: mock.address,
    ...(agent ? { requestOptions: { httpAgent: agent } } : {}),
  });
  const jwt = await readFile(mock.tokenPath, 'utf8');
  await vault.kubernetesLogin({ role: ROLE, jwt, mount_point: 'kubernetes' });
  const res = await vault.read(CONFIG_PATH);
  const ms = performance.now() - started;
  const cpuMs = cpuSince(cpu);
  const trips = (await mock.count()) - before;
  if (res.data.data.username !== 'app-user') throw new Error('node-vault read the wrong secret');
  agent?.destroy();
  return { ms, cpuMs, trips };
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
    p95Ms: round(
      percentile(
        list.map((r) => r.ms),
        95,
      ),
    ),
    cpuMedianMs: round(median(list.map((r) => r.cpuMs))),
    roundTrips: median(list.map((r) => r.trips)),
  });
  results[mode] = { ours: summary(runs.ours), nodeVault: summary(runs.theirs) };
  if (first) results[mode].firstRunMs = { ours: round(first.ours.ms), nodeVault: round(first.theirs.ms) };
}
await mock.close();

const rows = [['connections', 'client', 'median ms', 'p95 ms', 'client CPU ms', 'round trips']];
for (const [mode, r] of Object.entries(results)) {
  const row = (who, f) => [mode, who, f.medianMs, f.p95Ms, f.cpuMedianMs, f.roundTrips];
  rows.push(row('vault-kubernetes-client', r.ours), row('node-vault 0.12.0 by hand', r.nodeVault));
  const ratio = (key) => round(r.ours[key] / r.nodeVault[key]);
  rows.push([
    mode,
    'ratio ours / node-vault',
    ...['medianMs', 'p95Ms', 'cpuMedianMs', 'roundTrips'].map(ratio),
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
    sharedCpu: round(results.shared.ours.cpuMedianMs / results.shared.nodeVault.cpuMedianMs),
    roundTrips: round(results.shared.ours.roundTrips / results.shared.nodeVault.roundTrips),
  },
});
