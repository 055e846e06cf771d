// Requests to Vault over 24 simulated hours of the managed-secrets scenario: database credentials
// with lease TTL 1 h and max TTL 4 h, `secret('database/creds/app')` every simulated minute
// (1,440 calls, minutes 0 to 1439; the window is [0, 24 h] inclusive). Token from a Kubernetes
// login with the role's TTL of 24 h, as the mock's `setupKubernetesAuth()` writes it.
//
// Three columns:
// - ours, measured: the client against an in-process mock sharing one ManualClock (simulated time
//   needs it), counted from the mock's audit log. Default jitter (0.1) over several runs, and once
//   with jitter 0, which is what test/client/managed-secrets.test.ts asserts.
// - Vault Agent, simulated: see agentModel() below for the rule and its source.
// - a naive app that reads database/creds/app on every use and never renews: 1 login + 1,440 reads.
import { VaultKubernetesClient } from '../dist/index.js';
import { startMockVault } from '../dist/testing.js';
import { startDatabaseScenario } from './lib/database-scenario.mjs';
import { emit, median, printTable } from './lib/report.mjs';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const WINDOW = 24 * HOUR;
const CALLS = 1440;
const RUNS = 3;
const LEASE = { ttl: HOUR, maxTtl: 4 * HOUR };
const TOKEN = { ttl: 24 * HOUR, maxTtl: 768 * HOUR }; // role ttl 24h; Vault's default system max 32 days
const CREDS = 'database/creds/app';
const PATHS = [
  'auth/kubernetes/login',
  'auth/token/renew-self',
  'sys/leases/renew',
  CREDS,
  'sys/leases/revoke',
];

const POLICY = [
  'path "database/creds/app" { capabilities = ["read"] }',
  'path "sys/leases/revoke" { capabilities = ["update"] }',
].join('\n');

async function runOurs(jitter) {
  const { mock, tokenPath } = await startDatabaseScenario(startMockVault, { policy: POLICY });
  const client = new VaultKubernetesClient({
    address: mock.address,
    auth: { role: 'myapp-role', tokenPath },
    clock: mock.clock,
    logLevel: 'silent',
    ...(jitter === undefined ? {} : { token: { jitter }, secrets: { jitter } }),
  });
  const start = mock.clock.now();
  let deadServed = 0;
  for (let minute = 0; minute < CALLS; minute++) {
    if (minute > 0) await mock.clock.advance(MINUTE);
    const creds = await client.secret(CREDS);
    if (!mock.databaseCredentialWorks(creds.data.username, creds.data.password)) deadServed++;
  }
  await mock.clock.advance(start + WINDOW - mock.clock.now());
  const counts = countByPath(mock.audit.entries().filter((e) => e.time <= start + WINDOW));
  counts.aliveAtEnd = mock.databaseUsers({ live: true, kind: 'dynamic' }).length;
  counts.deadServed = deadServed;
  await client.close();
  await mock.close();
  return counts;
}

function countByPath(entries) {
  const counts = Object.fromEntries(PATHS.map((p) => [p, 0]));
  for (const e of entries) counts[e.path] = (counts[e.path] ?? 0) + 1;
  counts.total = entries.length;
  return counts;
}

/**
 * Vault Agent's timing, simulated. The model (vault-api.md §8.1 to §8.3):
 * - auto-auth logs in once and watches the token with api.LifetimeWatcher; a template fetches the
 *   credential and watches its lease with a LifetimeWatcher too;
 * - a LifetimeWatcher renews at once when it starts, then sleeps 2/3 of the remaining TTL + g/3,
 *   with grace g drawn uniformly from [0.1, 0.2) of the lease duration; Vault grants
 *   min(TTL, max-TTL end - now);
 * - it stops when remaining <= g or remaining - sleep <= g (the max-TTL threshold); only then is a
 *   new credential fetched (at once), and its lease watched the same way; no proactive rotation;
 * - Agent revokes nothing: an old lease is left to expire. Token max TTL is not reached in 24 h.
 */
function agentModel(random = Math.random) {
  const counts = {
    'auth/kubernetes/login': 1,
    'auth/token/renew-self': 0,
    'sys/leases/renew': 0,
    [CREDS]: 0,
  };
  counts['sys/leases/revoke'] = 0;
  // One LifetimeWatcher from `issued` on: the renewal times it makes inside the window, and when it stops.
  const watch = (issued, ttl, maxTtl) => {
    const g = ttl * (0.1 + 0.1 * random());
    const renewals = [];
    for (let t = issued; t <= WINDOW; ) {
      renewals.push(t);
      const remaining = Math.min(ttl, issued + maxTtl - t);
      const sleep = (2 / 3) * remaining + g / 3;
      if (remaining <= g || remaining - sleep <= g) return { renewals, stopsAt: t, expiresAt: t + remaining };
      t += sleep;
    }
    return { renewals, stopsAt: Number.POSITIVE_INFINITY, expiresAt: Number.POSITIVE_INFINITY };
  };
  counts['auth/token/renew-self'] = watch(0, TOKEN.ttl, TOKEN.maxTtl).renewals.length;
  let aliveAtEnd = 0;
  for (let issued = 0; issued <= WINDOW; ) {
    counts[CREDS]++;
    const lease = watch(issued, LEASE.ttl, LEASE.maxTtl);
    counts['sys/leases/renew'] += lease.renewals.length;
    if (lease.expiresAt > WINDOW) aliveAtEnd++;
    issued = lease.stopsAt;
  }
  counts.total = PATHS.reduce((sum, p) => sum + counts[p], 0);
  counts.aliveAtEnd = aliveAtEnd;
  return counts;
}

/** Reads on every use, never renews or revokes: each credential lives its 1 h TTL. */
function naiveModel() {
  const counts = Object.fromEntries(PATHS.map((p) => [p, 0]));
  counts['auth/kubernetes/login'] = 1;
  counts[CREDS] = CALLS;
  counts.total = 1 + CALLS;
  // Reads at minutes 0..1439, each alive for 60 min: at 24 h those from the last hour still are.
  counts.aliveAtEnd = Array.from({ length: CALLS }, (_, m) => m * MINUTE + LEASE.ttl).filter(
    (end) => end > WINDOW,
  ).length;
  return counts;
}

const medianOf = (runs) =>
  Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((r) => r[k]))]));
const rangeOf = (runs, k) => {
  const values = runs.map((r) => r[k]);
  return Math.min(...values) === Math.max(...values)
    ? String(values[0])
    : `${median(values)} (${Math.min(...values)}-${Math.max(...values)})`;
};

const oursRuns = [];
for (let i = 0; i < RUNS; i++) oursRuns.push(await runOurs());
const oursNoJitter = await runOurs(0);
const agentRuns = Array.from({ length: 1000 }, () => agentModel());
const agent = medianOf(agentRuns);
const naive = naiveModel();

const keys = [...PATHS, 'total', 'aliveAtEnd'];
const label = { aliveAtEnd: 'credentials alive at 24 h' };
printTable(
  `Requests to Vault in 24 simulated hours: ${CREDS} (TTL 1 h, max 4 h) used every minute, token TTL 24 h`,
  [
    [
      'path',
      `ours, jitter 0.1 (median of ${RUNS})`,
      'ours, jitter 0',
      'Vault Agent model (median)',
      'naive app',
    ],
    ...keys.map((k) => [
      label[k] ?? k,
      rangeOf(oursRuns, k),
      String(oursNoJitter[k]),
      `${agent[k]} (${Math.min(...agentRuns.map((r) => r[k]))}-${Math.max(...agentRuns.map((r) => r[k]))})`,
      String(naive[k]),
    ]),
  ],
);
console.log(
  'Agent model: LifetimeWatcher on token and lease; renew at start, then every 2/3 of the remaining TTL + g/3 ' +
    '(g uniform in [10%, 20%) of the lease); a new credential only when renewal stops at the max-TTL threshold ' +
    '(remaining <= g or remaining - sleep <= g); old leases left to expire; 1,000 draws of g.',
);
console.log(
  `Expired or revoked credentials served by ours: ${oursRuns.map((r) => r.deadServed).join(', ')} (jitter 0.1), ${oursNoJitter.deadServed} (jitter 0)`,
);

const ours = medianOf(oursRuns);
emit('request-economy', {
  ours,
  oursNoJitter,
  vaultAgentModel: agent,
  naive,
  totalOverAgent: Math.round((ours.total / agent.total) * 1000) / 1000,
  totalOverNaive: Math.round((ours.total / naive.total) * 1000) / 1000,
});
