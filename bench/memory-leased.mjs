// Heap per cached LEASED secret (issue 15's figure: at most 1.5 KB beyond the payload at 10,000):
// a client holds N distinct dynamic database credentials (database/creds/r-<i>, a lease each, kept
// renewed), N = 1,000 and 10,000; heap used after a full GC, before and after. The payload is
// measured apart: N copies of what Vault sent for one credential (its JSON parsed), the part a
// client must keep whatever it does. The mock runs in a child process, so none of it is counted.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { heapAfterGc } from './lib/heap.mjs';
import { emit, printTable, quick, round } from './lib/report.mjs';

// Quick mode stops at 5,000: the figure moves little past a few thousand (fixed costs spread).
const SIZES = quick ? [1_000, 5_000] : [1_000, 10_000];
const N = Math.max(...SIZES);
const ROLE = 'myapp-role';

if (process.argv[2] === '--serve') await serve();
else if (typeof globalThis.gc !== 'function') {
  const child = fork(fileURLToPath(import.meta.url), process.argv.slice(2), { execArgv: ['--expose-gc'] });
  child.on('exit', (code) => {
    process.exitCode = code ?? 1;
  });
} else await main();

async function main() {
  const { VaultKubernetesClient } = await import('../dist/index.js');
  const mock = await startChild();
  const client = new VaultKubernetesClient({
    address: mock.address,
    auth: { role: ROLE, tokenPath: mock.tokenPath },
    logLevel: 'silent',
    secrets: { maxEntries: N },
  });
  await client.start();
  // A first credential: code paths compiled, sockets open; what every client holds anyway.
  const sample = await client.secret('database/creds/r-0');
  const before = await heapAfterGc();
  const results = [];
  let done = 1;
  for (const n of SIZES) {
    for (; done < n + 1; done++) await client.secret(`database/creds/r-${done}`);
    const heap = await heapAfterGc();
    results.push({ secrets: n, bytesPerSecret: (heap - before) / n, heap });
  }
  // The payload: N copies of the answer's parts a client keeps (data, lease id), parsed from JSON.
  const answer = JSON.stringify({
    lease_id: sample.lease.id,
    data: sample.data,
  });
  const payloadBefore = await heapAfterGc();
  const copies = Array.from({ length: N }, (_, i) => JSON.parse(answer.replaceAll('0', String(i % 10))));
  const payloadBytes = ((await heapAfterGc()) - payloadBefore) / N;
  if (copies.length !== N) throw new Error('payload copies lost');
  await client.close();
  await mock.close();

  const [, large] = results;
  printTable('Heap per cached leased secret (database credentials, renewable lease), one client', [
    ['secrets', 'bytes per secret', 'payload', 'beyond the payload'],
    ...results.map((r) => [
      String(r.secrets),
      Math.round(r.bytesPerSecret),
      Math.round(payloadBytes),
      Math.round(r.bytesPerSecret - payloadBytes),
    ]),
  ]);
  emit('memory-leased', {
    secrets: large.secrets,
    bytesPerSecret: Math.round(large.bytesPerSecret),
    payloadBytes: Math.round(payloadBytes),
    beyondPayloadBytes: Math.round(large.bytesPerSecret - payloadBytes),
    results: results.map(({ heap, ...r }) => ({ ...r, bytesPerSecret: round(r.bytesPerSecret) })),
  });
}

/** The child: a mock with N database roles, each handing out a renewable credential. */
function startChild() {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`mock process exited early (${code})`)));
    child.on('message', (message) => {
      if (!message.ready) return;
      resolve({
        ...message.ready,
        close: () => {
          child.send({ op: 'close' });
          return new Promise((done) => child.once('exit', done));
        },
      });
    });
    child.send({ op: 'start' });
  });
}

async function serve() {
  const { startMockVault } = await import('../dist/testing.js');
  let mock;
  process.on('message', async ({ op }) => {
    if (op === 'close') {
      await mock?.close();
      process.exit(0);
    }
    if (op !== 'start') return;
    mock = await startMockVault();
    await mock.setupKubernetesAuth();
    await mock.write('sys/policies/acl/myapp-policy', {
      policy: 'path "database/creds/*" { capabilities = ["read"] }',
    });
    await mock.write('sys/mounts/database', { type: 'database' });
    const roles = Array.from({ length: N + 1 }, (_, i) => `r-${i}`);
    await mock.write('database/config/db', {
      plugin_name: 'in-memory-database-plugin',
      connection_url: 'postgresql://{{username}}:{{password}}@db:5432/app',
      // One glob rather than the 10,001 names: the mock, as Vault, checks each read against the
      // list in turn, which made the set-up quadratic (minutes at 10,000).
      allowed_roles: ['r-*'],
      username: 'vault',
      password: 'root-password',
    });
    for (const role of roles) {
      await mock.write(`database/roles/${role}`, {
        db_name: 'db',
        creation_statements: ['CREATE ROLE "{{name}}";'],
        default_ttl: '1h',
        max_ttl: '24h',
      });
    }
    const tokenPath = await mock.cluster.writeToken({
      namespace: 'default',
      serviceAccount: 'myapp-sa',
      expiresIn: 86400,
    });
    process.send({ ready: { address: mock.address, tokenPath } });
  });
  process.on('disconnect', () => void mock?.close().finally(() => process.exit(0)));
}
