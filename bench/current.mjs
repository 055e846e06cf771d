// vault.current(path): the synchronous read of a loaded secret that per-request code wants, next to
// the cheapest thing it could be, a bare lru-cache get with the same key. Target (issue 15): within
// 2x. Also the same with a schema (a view made once per value and schema, then reused) and for a
// path in another namespace (a composite key). The mock runs in a child process.
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { VaultKubernetesClient } from '../dist/index.js';
import { CONFIG_PATH, ROLE, startMockProcess } from './lib/mock-process.mjs';
import { emit, median, printTable } from './lib/report.mjs';

const CALLS = 2_000_000;
const ROUNDS = 5;

const mock = await startMockProcess();
const client = new VaultKubernetesClient({
  address: mock.address,
  auth: { role: ROLE, tokenPath: mock.tokenPath },
  logLevel: 'silent',
});
const schema = z.object({ username: z.string(), password: z.string() });
await client.secret(CONFIG_PATH);

// The baseline: lru-cache as the client configures it (max 1000), one entry under the same key.
const lru = new LRUCache({ max: 1000 });
lru.set(CONFIG_PATH, { data: { username: 'app-user', password: 'kv-password-value-1' } });

function nsPerOp(n, fn) {
  let sink;
  for (let i = 0; i < n / 10; i++) sink = fn();
  const started = performance.now();
  for (let i = 0; i < n; i++) sink = fn();
  const ns = ((performance.now() - started) * 1e6) / n;
  if (sink === undefined) throw new Error('a read came back empty');
  return ns;
}

// Interleaved rounds, median of each: a nanosecond loop swings with whatever else the machine does.
const samples = { lru: [], current: [], schema: [] };
for (let r = 0; r < ROUNDS; r++) {
  samples.lru.push(nsPerOp(CALLS, () => lru.get(CONFIG_PATH)));
  samples.current.push(nsPerOp(CALLS, () => client.current(CONFIG_PATH)));
  samples.schema.push(nsPerOp(CALLS, () => client.current(CONFIG_PATH, { schema })));
}
const lruNs = median(samples.lru);
const currentNs = median(samples.current);
const schemaNs = median(samples.schema);

printTable(`current(): ${CALLS.toLocaleString('en')} calls per round, median of ${ROUNDS} rounds`, [
  ['what', 'ns/op', 'x bare get'],
  ['bare lru-cache get', lruNs, 1],
  [`client.current('${CONFIG_PATH}')`, currentNs, currentNs / lruNs],
  [`client.current('${CONFIG_PATH}', { schema })`, schemaNs, schemaNs / lruNs],
]);
await client.close();
await mock.close();
emit('current', {
  lruGetNs: Math.round(lruNs * 10) / 10,
  currentNs: Math.round(currentNs * 10) / 10,
  currentWithSchemaNs: Math.round(schemaNs * 10) / 10,
  currentOverLruGet: Math.round((currentNs / lruNs) * 100) / 100,
});
