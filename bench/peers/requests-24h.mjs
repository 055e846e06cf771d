// Requests to Vault over 24 simulated hours of the managed-secrets scenario, side by side:
// database credentials (lease TTL 1 h, max TTL 4 h) used every simulated minute (minutes 0 to
// 1439), a token from a Kubernetes login with the role's TTL of 24 h (what the mock's
// setupKubernetesAuth() writes). Each column runs on its own in-process mock with its ManualClock
// (simulated time needs one clock for the client and the mock); requests are counted from the
// mock's audit log over [0, 24 h], and at every use the credential the app holds is checked with
// the mock's databaseCredentialWorks() (false once the lease has expired or been revoked).
//
// - ours: client.secret('database/creds/app') at every use, clock: mock.clock (as in
//   bench/request-economy.mjs), default jitter, median of RUNS runs.
// - node-vault: kubernetesLogin, startTokenRenewal(), generateDatabaseCredentials() once,
//   startLeaseRenewal(lease_id, lease_duration), all with their defaults (renewFraction 0.8).
//   Its helpers call the global setTimeout; here node-vault's own files are compiled with the
//   mock clock's setTimeout/clearTimeout in scope (bench/lib/clock-timers.mjs), so its real code
//   runs on simulated time and nothing else in the process is touched.
// - node-vault + re-fetch: the same, plus what a user must write by hand because the helpers never
//   fetch a new credential: on 'lease:expired' or 'lease:error:renew', generate new credentials and
//   start renewing them.
// - node-vault-client, credentials read once at start (the usual way: read, build the pool); its
//   token-refresh timer (long-timeout) and its Date.now() expiry checks run on the mock clock the
//   same way. It has no lease renewal, so the credential dies at the lease TTL.
// - node-vault-client, read on every use: the only way it keeps a live credential, at one new
//   database user per use.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { VaultKubernetesClient } from '../../dist/index.js';
import { startMockVault } from '../../dist/testing.js';
import { clockTimers, requireScoped } from '../lib/clock-timers.mjs';
import { startDatabaseScenario } from '../lib/database-scenario.mjs';
import { closeNodeVaultClient, LABEL } from '../lib/peers.mjs';
import { emit, median, printTable } from '../lib/report.mjs';

const require = createRequire(import.meta.url);
const NODE_VAULT = require.resolve('node-vault');
const NODE_VAULT_CLIENT = require.resolve('node-vault-client');

const MINUTE = 60_000;
const WINDOW = 24 * 60 * MINUTE;
const USES = 1440;
const RUNS = 3;
const ROLE = 'myapp-role';
const CREDS = 'database/creds/app';
const POLICY = [
  'path "database/creds/app" { capabilities = ["read"] }',
  'path "sys/leases/revoke" { capabilities = ["update"] }',
].join('\n');
const NODE_VAULT_EVENTS = [
  'token:renewed',
  'token:error:renew',
  'token:expired',
  'lease:renewed',
  'lease:error:renew',
  'lease:expired',
];

/**
 * One 24 h run. `setup` starts the app's side on the mock and returns `current()` (the credential
 * the app would use now: { username, password }) and `close()`.
 */
async function scenario(setup) {
  const { mock, tokenPath } = await startDatabaseScenario(startMockVault, { policy: POLICY });
  const start = mock.clock.now();
  const app = await setup({ mock, tokenPath });
  let deadUses = 0;
  let firstDeadMinute = null;
  for (let minute = 0; minute < USES; minute++) {
    if (minute > 0) await mock.clock.advance(MINUTE);
    const { username, password } = await app.current();
    if (!mock.databaseCredentialWorks(username, password)) {
      deadUses++;
      firstDeadMinute ??= minute;
    }
  }
  await mock.clock.advance(start + WINDOW - mock.clock.now());
  const requests = {};
  let total = 0;
  for (const e of mock.audit.entries()) {
    if (e.time < start || e.time > start + WINDOW) continue;
    requests[e.path] = (requests[e.path] ?? 0) + 1;
    total++;
  }
  const aliveAtEnd = mock.databaseUsers({ live: true, kind: 'dynamic' }).length;
  const extra = await app.close();
  const pendingTimers = mock.clock.pendingTimers();
  await mock.close();
  return { requests, total, aliveAtEnd, deadUses, firstDeadMinute, pendingTimers, ...extra };
}

const setups = {
  ours: ({ mock, tokenPath }) => {
    const client = new VaultKubernetesClient({
      address: mock.address,
      auth: { role: ROLE, tokenPath },
      clock: mock.clock,
      logLevel: 'silent',
    });
    return {
      current: async () => (await client.secret(CREDS)).data,
      close: async () => {
        await client.close();
      },
    };
  },

  nodeVault:
    (refetch) =>
    async ({ mock, tokenPath }) => {
      const timers = clockTimers(mock.clock);
      const nodeVault = requireScoped(NODE_VAULT, timers.globals, (file) =>
        file.includes('/node-vault/src/'),
      );
      const vault = nodeVault({ endpoint: mock.address });
      const events = {};
      for (const name of NODE_VAULT_EVENTS) {
        vault.on(name, () => {
          events[name] = (events[name] ?? 0) + 1;
          // After these node-vault arms no timer: the work the fired timer started is over.
          if (!name.endsWith(':renewed') && !refetch) timers.workDone();
        });
      }
      await vault.kubernetesLogin({
        role: ROLE,
        jwt: await readFile(tokenPath, 'utf8'),
        mount_point: 'kubernetes',
      });
      await vault.startTokenRenewal();
      let creds;
      const fetchCreds = async () => {
        creds = await vault.generateDatabaseCredentials({ databasePath: 'database', name: 'app' });
        vault.startLeaseRenewal(creds.lease_id, creds.lease_duration);
      };
      await fetchCreds();
      if (refetch) {
        // The user's code: the helpers give up at the max TTL and never fetch a replacement.
        const replace = () => {
          fetchCreds().catch(() => timers.workDone());
        };
        vault.on('lease:expired', replace);
        vault.on('lease:error:renew', replace);
        vault.on('token:expired', () => timers.workDone());
        vault.on('token:error:renew', () => timers.workDone());
      }
      return {
        current: () => creds.data,
        close: () => {
          vault.stopAllRenewals();
          return { events, cappedCallbacks: timers.stats.capped };
        },
      };
    },

  nodeVaultClient:
    (everyUse) =>
    async ({ mock, tokenPath }) => {
      const timers = clockTimers(mock.clock);
      const VaultClient = requireScoped(
        NODE_VAULT_CLIENT,
        timers.globals,
        (file) => file.includes('/node-vault-client/src/') || file.includes('/long-timeout/'),
      );
      const client = VaultClient.boot('requests-24h', {
        api: { url: mock.address },
        auth: { type: 'kubernetes', mount: 'kubernetes', config: { role: ROLE, tokenPath } },
        logger: false,
      });
      const read = async () => (await client.read(CREDS)).getData();
      let creds = everyUse ? undefined : await read();
      return {
        current: async () => {
          if (everyUse) creds = await read();
          return creds;
        },
        close: () => {
          closeNodeVaultClient(VaultClient, client, 'requests-24h');
          return { cappedCallbacks: timers.stats.capped };
        },
      };
    },
};

const oursRuns = [];
for (let i = 0; i < RUNS; i++) oursRuns.push(await scenario(setups.ours));
const columns = {
  ours: oursRuns,
  nodeVault: [await scenario(setups.nodeVault(false))],
  nodeVaultRefetch: [await scenario(setups.nodeVault(true))],
  nodeVaultClient: [await scenario(setups.nodeVaultClient(false))],
  nodeVaultClientEveryUse: [await scenario(setups.nodeVaultClient(true))],
};
const KEYS = Object.keys(columns);
const HEAD = {
  ours: `ours: secret() per use (median of ${RUNS})`,
  nodeVault: 'node-vault: renewal helpers',
  nodeVaultRefetch: 'node-vault: helpers + re-fetch by hand',
  nodeVaultClient: 'node-vault-client: read once',
  nodeVaultClientEveryUse: 'node-vault-client: read per use',
};

/** Median over runs of one figure, with the range when runs differ. */
const figure = (runs, get) => {
  const values = runs.map((r) => get(r) ?? 0);
  const m = median(values);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return { value: m, text: lo === hi ? String(m) : `${m} (${lo}-${hi})` };
};
const paths = [...new Set(KEYS.flatMap((k) => columns[k].flatMap((r) => Object.keys(r.requests))))].sort();

const rows = [['', ...KEYS.map((k) => HEAD[k])]];
const line = (label, f) => rows.push([label, ...KEYS.map((k) => f(k))]);
for (const path of paths) line(path, (k) => figure(columns[k], (r) => r.requests[path]).text);
line('total requests', (k) => figure(columns[k], (r) => r.total).text);
line(
  `uses (of ${USES}) with an expired/revoked credential`,
  (k) => figure(columns[k], (r) => r.deadUses).text,
);
line('first such use (minute)', (k) => {
  const first = columns[k].map((r) => r.firstDeadMinute).filter((m) => m !== null);
  return first.length === 0 ? 'never' : String(Math.min(...first));
});
line('database users alive at 24 h', (k) => figure(columns[k], (r) => r.aliveAtEnd).text);
const CAN = {
  'lease renewal': {
    ours: 'yes',
    nodeVault: 'yes; stops at the first error',
    nodeVaultRefetch: 'yes; stops at the first error',
    nodeVaultClient: 'cannot: no lease renewal',
    nodeVaultClientEveryUse: 'cannot: no lease renewal',
  },
  'new credential before max TTL': {
    ours: 'yes; old lease revoked',
    nodeVault: 'cannot: never re-fetches',
    nodeVaultRefetch: 'by hand, once the lease has run out',
    nodeVaultClient: 'cannot: never re-fetches',
    nodeVaultClientEveryUse: 'a new credential at every use',
  },
  'token renewal': {
    ours: 'yes',
    nodeVault: 'yes (startTokenRenewal); no re-login',
    nodeVaultRefetch: 'yes (startTokenRenewal); no re-login',
    nodeVaultClient: 'yes (timer at half the TTL) + lazy re-login',
    nodeVaultClientEveryUse: 'yes (timer at half the TTL) + lazy re-login',
  },
};
for (const [what, cells] of Object.entries(CAN)) line(what, (k) => cells[k]);
printTable(
  `Requests to Vault in 24 simulated hours: ${CREDS} (TTL 1 h, max 4 h) used every minute, token TTL 24 h; ` +
    `ours = ${LABEL.ours}, ${LABEL.nodeVault}, ${LABEL.nodeVaultClient}; one mock per column, on its ManualClock`,
  rows,
);
const capped = KEYS.flatMap((k) => columns[k].map((r) => r.cappedCallbacks ?? 0)).reduce((a, b) => a + b, 0);
const leftover = KEYS.flatMap((k) => columns[k].map((r) => r.pendingTimers)).reduce((a, b) => a + b, 0);
console.log(
  `Peers' timers ran on the mock clock through bench/lib/clock-timers.mjs (their own setTimeout/Date, nothing else touched); ` +
    `callbacks that hit the real-time cap: ${capped}; clock timers left after close: ${leftover}.`,
);
console.log(
  `node-vault events: helpers only ${JSON.stringify(columns.nodeVault[0].events)}; with re-fetch ${JSON.stringify(columns.nodeVaultRefetch[0].events)}`,
);
console.log(
  'node-vault-client would need, to keep a credential alive: the lease id (only as the private Lease.__leaseId), ' +
    "a timer calling write('sys/leases/renew', { lease_id }) before each expiry, and a new read() before the max TTL.",
);

const summary = (k) => {
  const runs = columns[k];
  return {
    requests: Object.fromEntries(paths.map((p) => [p, figure(runs, (r) => r.requests[p]).value])),
    total: figure(runs, (r) => r.total).value,
    deadUses: figure(runs, (r) => r.deadUses).value,
    firstDeadMinute: runs[0].firstDeadMinute,
    aliveAtEnd: figure(runs, (r) => r.aliveAtEnd).value,
  };
};
emit('peers-requests-24h', Object.fromEntries(KEYS.map((k) => [k, summary(k)])));
