// 10,000 reads of one KV v2 secret, each awaited before the next as a request handler would, side
// by side on one mock Vault in a child process:
// - ours cached: client.secret(path), what an app calls (served from the cache after the first);
// - ours uncached: client.read(path), one round trip each: the transport's own cost;
// - node-vault: vault.read(path) after kubernetesLogin, as its users write it (it has no cache);
// - node-vault-client: client.read(path) (it caches the token only, so one round trip each).
// - the floor: a bare node:http keep-alive GET and JSON.parse, no client at all. What it takes is
//   the mock's answer and the loopback round trip, which every client pays; the uncached ratio
//   against node-vault cannot go below floor / node-vault, however little a client spends itself.
// All five are logged in and warmed up before timing; each round interleaves them in slices (see
// SLICE below), and each figure is the median round.
import { readFile } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { VaultKubernetesClient } from '../../dist/index.js';
import { CONFIG_PATH, ROLE, startMockProcess } from '../lib/mock-process.mjs';
import { closeNodeVaultClient, LABEL, times } from '../lib/peers.mjs';
import { emit, median, printTable, quick, round } from '../lib/report.mjs';

const require = createRequire(import.meta.url);
const nodeVault = require('node-vault');
const VaultClient = require('node-vault-client');

const READS = quick ? 1_000 : 10_000;
const WARMUP = quick ? 200 : 500;
const ROUNDS = quick ? 3 : 5;

const mock = await startMockProcess();

const ours = new VaultKubernetesClient({
  address: mock.address,
  auth: { role: ROLE, tokenPath: mock.tokenPath },
  logLevel: 'silent',
});
const vault = nodeVault({ endpoint: mock.address });
await vault.kubernetesLogin({
  role: ROLE,
  jwt: await readFile(mock.tokenPath, 'utf8'),
  mount_point: 'kubernetes',
});
const nvc = VaultClient.boot('reads', {
  api: { url: mock.address },
  auth: { type: 'kubernetes', mount: 'kubernetes', config: { role: ROLE, tokenPath: mock.tokenPath } },
  logger: false,
});

// The floor's own token, from a plain login.
const floorToken = await fetch(`${mock.address}/v1/auth/kubernetes/login`, {
  method: 'POST',
  body: JSON.stringify({ role: ROLE, jwt: await readFile(mock.tokenPath, 'utf8') }),
})
  .then((response) => response.json())
  .then((body) => body.auth.client_token);
const floorAgent = new Agent({ keepAlive: true, maxSockets: 1 });
const floorUrl = new URL(`/v1/${CONFIG_PATH}`, mock.address);
function bareGet() {
  return new Promise((resolve, reject) => {
    const request = get(
      floorUrl,
      { agent: floorAgent, headers: { 'X-Vault-Token': floorToken } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve(JSON.parse(text)));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
  });
}

const WAYS = {
  oursCached: {
    label: `${LABEL.ours}: secret() (cached)`,
    read: async () => (await ours.secret(CONFIG_PATH)).data,
  },
  oursUncached: {
    label: `${LABEL.ours}: read() (cache off)`,
    read: async () => (await ours.read(CONFIG_PATH)).data.data,
  },
  nodeVault: {
    label: `${LABEL.nodeVault}: read()`,
    read: async () => (await vault.read(CONFIG_PATH)).data.data,
  },
  nodeVaultClient: {
    label: `${LABEL.nodeVaultClient}: read()`,
    read: async () => (await nvc.read(CONFIG_PATH)).getData().data,
  },
  floor: {
    label: 'floor: bare node:http GET',
    read: async () => (await bareGet()).data.data,
  },
};
// Quick mode leaves node-vault-client out (it is the slowest, and no headline figure needs it).
if (quick) delete WAYS.nodeVaultClient;
const KEYS = Object.keys(WAYS);

for (const key of KEYS) {
  const data = await WAYS[key].read();
  if (data?.username !== 'app-user') throw new Error(`${key} read the wrong secret`);
  for (let i = 0; i < WARMUP; i++) await WAYS[key].read();
}

// Each round cuts the reads into slices of SLICE and runs one slice of every way in turn, the
// order rotating from slice to slice, so a busy spell on this shared machine falls on all ways
// alike instead of on whichever block it happened to hit; a way's round figure is its slices summed.
const SLICE = 50;
async function timeSlice(read) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < SLICE; i++) await read();
  const ms = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  return { ms, cpuUs: user + system };
}

const samples = Object.fromEntries(KEYS.map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  const sums = Object.fromEntries(KEYS.map((k) => [k, { ms: 0, cpuUs: 0, requests: 0 }]));
  for (let slice = 0; slice < READS / SLICE; slice++) {
    for (let i = 0; i < KEYS.length; i++) {
      const key = KEYS[(slice + i) % KEYS.length];
      const before = await mock.count();
      const t = await timeSlice(WAYS[key].read);
      sums[key].requests += (await mock.count()) - before;
      sums[key].ms += t.ms;
      sums[key].cpuUs += t.cpuUs;
    }
  }
  for (const key of KEYS) {
    const { ms, cpuUs, requests } = sums[key];
    samples[key].push({ ms, cpuUs: cpuUs / READS, requests });
  }
}
// The ratio in each round, for the spread between rounds.
const ratioRange = (key, of) => {
  const ratios = samples[key].map((s, r) => of(s) / of(samples.nodeVault[r])).sort((a, b) => a - b);
  return { min: round(ratios[0]), median: round(median(ratios)), max: round(ratios.at(-1)) };
};
await ours.close();
closeNodeVaultClient(VaultClient, nvc, 'reads');
floorAgent.destroy();
await mock.close();

const result = Object.fromEntries(
  KEYS.map((k) => {
    const list = samples[k];
    const totalMs = median(list.map((s) => s.ms));
    return [
      k,
      {
        totalMs: round(totalMs),
        perOpUs: round((totalMs * 1000) / READS),
        cpuUsPerOp: round(median(list.map((s) => s.cpuUs))),
        requests: median(list.map((s) => s.requests)),
      },
    ];
  }),
);

const rows = [['', ...KEYS.map((k) => WAYS[k].label)]];
const line = (label, f) => rows.push([label, ...KEYS.map((k) => String(f(k)))]);
line(`total ms for ${READS.toLocaleString('en')} reads`, (k) => result[k].totalMs);
line('us per read', (k) => result[k].perOpUs);
line('client CPU us per read', (k) => result[k].cpuUsPerOp);
line('requests to Vault', (k) => result[k].requests);
line('time, x ours read()', (k) => times(result[k].totalMs, result.oursUncached.totalMs));
line('time, x ours secret()', (k) => times(result[k].totalMs, result.oursCached.totalMs));
line('client CPU, x ours read()', (k) => times(result[k].cpuUsPerOp, result.oursUncached.cpuUsPerOp));
line(
  'cache',
  (k) =>
    ({
      oursCached: 'yes: 0 requests after the first',
      oursUncached: 'bypassed on purpose',
      nodeVault: 'cannot: no cache',
      nodeVaultClient: 'cannot: caches the token only',
      floor: 'none: no client',
    })[k],
);
printTable(
  `${READS.toLocaleString('en')} reads of ${CONFIG_PATH}, one after another; median of ${ROUNDS} rounds after ${WARMUP} warm-up reads, mock in a child process`,
  rows,
);

// Where ours sits between the floor (0) and node-vault (1): the share of node-vault's own cost,
// beyond the round trip both pay, that ours still spends.
const beyondFloor = (k) =>
  round((result[k].totalMs - result.floor.totalMs) / (result.nodeVault.totalMs - result.floor.totalMs));
emit('peers-reads', {
  quick,
  reads: READS,
  rounds: ROUNDS,
  ...result,
  floorOverNodeVault: times(result.floor.totalMs, result.nodeVault.totalMs),
  oursBeyondFloorOverNodeVaultBeyondFloor: beyondFloor('oursUncached'),
  oursCpuOverNodeVaultCpu: times(result.oursUncached.cpuUsPerOp, result.nodeVault.cpuUsPerOp),
  roundsOverNodeVault: {
    oursTime: ratioRange('oursUncached', (s) => s.ms),
    oursCpu: ratioRange('oursUncached', (s) => s.cpuUs),
    floorTime: ratioRange('floor', (s) => s.ms),
  },
  overOursUncached: Object.fromEntries(
    KEYS.map((k) => [k, times(result[k].totalMs, result.oursUncached.totalMs)]),
  ),
  overOursCached: Object.fromEntries(
    KEYS.map((k) => [k, times(result[k].totalMs, result.oursCached.totalMs)]),
  ),
});
