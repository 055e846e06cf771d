// Cold start to the first secret, side by side: construct a client, log in with the pod's
// service-account token, read secret/data/myapp/config. Three clients on one mock Vault (in a
// child process, so its work is not on the timed event loop), interleaved run by run:
// - ours: new VaultKubernetesClient({ address, auth: { role, tokenPath } }).secret(path);
// - node-vault, as its users write it: read the JWT file, kubernetesLogin({ mount_point }), read();
// - node-vault-client: VaultClient.boot(name, { auth: { type: 'kubernetes', ... } }) with a fresh
//   name each run, then read(path); it logs in lazily at that read (login, then lookup-self).
// Round trips come from the mock's audit log.
//
// Two connection set-ups:
// - "shared": each library's default. Ours always opens its own connection (each client has its
//   own keep-alive agent, ended by close()); the peers reuse http.globalAgent's sockets;
// - "fresh": a new connection for every run, as a pod that has just started has: node-vault
//   gets an agent of its own; node-vault-client 1.0.2 takes no agent option, so
//   http.globalAgent's sockets are destroyed before each of its runs instead.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { VaultKubernetesClient } from '../../dist/index.js';
import { CONFIG_PATH, ROLE, startMockProcess } from '../lib/mock-process.mjs';
import { closeNodeVaultClient, LABEL, times } from '../lib/peers.mjs';
import { emit, median, percentile, printTable, quick, round } from '../lib/report.mjs';

const require = createRequire(import.meta.url);
const nodeVault = require('node-vault');
const VaultClient = require('node-vault-client');

const RUNS = quick ? 10 : 30;
const WARMUP = 3;
const CLIENTS = ['ours', 'nodeVault', 'nodeVaultClient'];

const mock = await startMockProcess();
let boots = 0;

function cpuSince(start) {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

/** Times `body` (which returns the secret's data) and counts the requests it made. */
async function measure(body) {
  const before = await mock.count();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const data = await body();
  const ms = performance.now() - started;
  const cpuMs = cpuSince(cpu);
  const trips = (await mock.count()) - before;
  if (data?.username !== 'app-user') throw new Error('read the wrong secret');
  return { ms, cpuMs, trips };
}

const run = {
  async ours() {
    let client;
    const result = await measure(async () => {
      client = new VaultKubernetesClient({
        address: mock.address,
        auth: { role: ROLE, tokenPath: mock.tokenPath },
        logLevel: 'silent',
      });
      return (await client.secret(CONFIG_PATH)).data;
    });
    await client.close();
    return result;
  },
  async nodeVault(fresh) {
    const agent = fresh ? new http.Agent({ keepAlive: true }) : undefined;
    const result = await measure(async () => {
      const vault = nodeVault({
        endpoint: mock.address,
        ...(agent ? { requestOptions: { httpAgent: agent } } : {}),
      });
      const jwt = await readFile(mock.tokenPath, 'utf8');
      await vault.kubernetesLogin({ role: ROLE, jwt, mount_point: 'kubernetes' });
      return (await vault.read(CONFIG_PATH)).data.data;
    });
    agent?.destroy();
    return result;
  },
  async nodeVaultClient(fresh) {
    if (fresh) http.globalAgent.destroy();
    const name = `cold-${++boots}`;
    let client;
    const result = await measure(async () => {
      client = VaultClient.boot(name, {
        api: { url: mock.address },
        auth: { type: 'kubernetes', mount: 'kubernetes', config: { role: ROLE, tokenPath: mock.tokenPath } },
        logger: false,
      });
      return (await client.read(CONFIG_PATH)).getData().data;
    });
    closeNodeVaultClient(VaultClient, client, name);
    return result;
  },
};

const results = {};
const firstRunMs = {};
for (const mode of ['shared', 'fresh']) {
  const runs = Object.fromEntries(CLIENTS.map((c) => [c, []]));
  for (let i = 0; i < WARMUP + RUNS; i++) {
    // Rotate who goes first so drift on a busy machine falls on all three alike.
    const order = CLIENTS.map((_, k) => CLIENTS[(i + k) % CLIENTS.length]);
    for (const who of order) {
      const r = await run[who](mode === 'fresh');
      // The very first run of each in the process (before any JIT or open socket) is kept apart.
      if (mode === 'shared' && i === 0) firstRunMs[who] = round(r.ms);
      if (i >= WARMUP) runs[who].push(r);
    }
  }
  results[mode] = Object.fromEntries(
    CLIENTS.map((who) => {
      const list = runs[who];
      const ms = list.map((r) => r.ms);
      return [
        who,
        {
          medianMs: round(median(ms)),
          p95Ms: round(percentile(ms, 95)),
          cpuMedianMs: round(median(list.map((r) => r.cpuMs))),
          roundTrips: median(list.map((r) => r.trips)),
        },
      ];
    }),
  );
}
await mock.close();

const ratios = (key) =>
  Object.fromEntries(
    CLIENTS.slice(1).map((who) => [who, times(results.shared[who][key], results.shared.ours[key])]),
  );
const rows = [['', ...CLIENTS.map((who) => LABEL[who])]];
const line = (label, f) => rows.push([label, ...CLIENTS.map((who) => f(who))]);
line('round trips (login, lookup, read)', (who) => String(results.shared[who].roundTrips));
for (const mode of ['shared', 'fresh']) {
  const r = results[mode];
  line(`${mode}: median ms`, (who) => String(r[who].medianMs));
  line(`${mode}: p95 ms`, (who) => String(r[who].p95Ms));
  line(`${mode}: client CPU ms (median)`, (who) => String(r[who].cpuMedianMs));
  line(`${mode}: median, x ours`, (who) => String(times(r[who].medianMs, r.ours.medianMs)));
}
line('first run in the process, ms', (who) => String(firstRunMs[who]));
line(
  'how it logs in',
  (who) =>
    ({
      ours: 'reads the token file itself; login on first call',
      nodeVault: 'caller reads the JWT; kubernetesLogin() by hand',
      nodeVaultClient: 'reads the token file; login + lookup-self on first read',
    })[who],
);
line(
  'close()',
  (who) =>
    ({
      ours: 'yes',
      nodeVault: 'nothing to close (no timers unless started)',
      nodeVaultClient: 'cannot: no close(); private refresh timer cleared by hand',
    })[who],
);
printTable(
  `Cold start to the first secret (construct, Kubernetes login, read ${CONFIG_PATH}); ${RUNS} runs after ${WARMUP} warm-up, interleaved, mock in a child process`,
  rows,
);

emit('peers-cold-start', {
  runs: RUNS,
  ...results,
  firstRunMs,
  sharedMedianOverOurs: ratios('medianMs'),
  freshMedianOverOurs: Object.fromEntries(
    CLIENTS.slice(1).map((who) => [who, times(results.fresh[who].medianMs, results.fresh.ours.medianMs)]),
  ),
  roundTripsOverOurs: ratios('roundTrips'),
});
