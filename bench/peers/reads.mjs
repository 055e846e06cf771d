// 10,000 reads of one KV v2 secret, each awaited before the next as a request handler would, side
// by side on one mock Vault in a child process:
// - ours cached: client.secret(path), what an app calls (served from the cache after the first);
// - ours uncached: client.read(path), one round trip each: the transport's own cost;
// - node-vault: vault.read(path) after kubernetesLogin, as its users write it (it has no cache);
// - node-vault-client: client.read(path) (it caches the token only, so one round trip each).
// All four are logged in and warmed up before timing; the blocks run in a rotating order over
// ROUNDS rounds and each figure is the median round.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { VaultKubernetesClient } from '../../dist/index.js';
import { CONFIG_PATH, ROLE, startMockProcess } from '../lib/mock-process.mjs';
import { closeNodeVaultClient, LABEL, times } from '../lib/peers.mjs';
import { emit, median, printTable, quick, round } from '../lib/report.mjs';

const require = createRequire(import.meta.url);
const nodeVault = require('node-vault');
const VaultClient = require('node-vault-client');

const READS = quick ? 1_500 : 10_000;
const WARMUP = quick ? 200 : 500;
const ROUNDS = 3;

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
};
const KEYS = Object.keys(WAYS);

for (const key of KEYS) {
  const data = await WAYS[key].read();
  if (data?.username !== 'app-user') throw new Error(`${key} read the wrong secret`);
  for (let i = 0; i < WARMUP; i++) await WAYS[key].read();
}

async function timeReads(read) {
  const before = await mock.count();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < READS; i++) await read();
  const ms = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  return { ms, cpuUs: (user + system) / READS, requests: (await mock.count()) - before };
}

const samples = Object.fromEntries(KEYS.map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  const order = KEYS.map((_, i) => KEYS[(r + i) % KEYS.length]);
  for (const key of order) samples[key].push(await timeReads(WAYS[key].read));
}
await ours.close();
closeNodeVaultClient(VaultClient, nvc, 'reads');
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
    })[k],
);
printTable(
  `${READS.toLocaleString('en')} reads of ${CONFIG_PATH}, one after another; median of ${ROUNDS} rounds after ${WARMUP} warm-up reads, mock in a child process`,
  rows,
);

emit('peers-reads', {
  quick,
  reads: READS,
  rounds: ROUNDS,
  ...result,
  overOursUncached: Object.fromEntries(
    KEYS.map((k) => [k, times(result[k].totalMs, result.oursUncached.totalMs)]),
  ),
  overOursCached: Object.fromEntries(
    KEYS.map((k) => [k, times(result[k].totalMs, result.oursCached.totalMs)]),
  ),
});
