// A fleet started at the same instant: N clients (default 1,000: about a minute per jitter setting
// on 2 cores; `node bench/fleet.mjs 200` for fewer) log in against one in-process mock (token TTL
// 1 h, max 24 h) and each holds database/creds/app (lease TTL 1 h, max 4 h); then 6 simulated
// hours pass on the shared ManualClock. Renewal requests (auth/token/renew-self and
// sys/leases/renew) are bucketed per simulated second from the mock's audit log: the peak second
// against the mean over the active window (first to last renewal) says how much jitter spreads
// the load that lockstep would pile up. The ManualClock fires timers one at a time, each with its
// real HTTP round trip, which is what makes this take a minute rather than a second.
import { performance } from 'node:perf_hooks';
import { VaultKubernetesClient } from '../dist/index.js';
import { startMockVault } from '../dist/testing.js';
import { startDatabaseScenario } from './lib/database-scenario.mjs';
import { emit, printTable, quick, round } from './lib/report.mjs';

const CLIENTS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? (quick ? 300 : 1000));
const HOUR = 3_600_000;
const RENEWALS = new Set(['auth/token/renew-self', 'sys/leases/renew']);

async function fleet(jitter) {
  const wallStarted = performance.now();
  const { mock, tokenPath } = await startDatabaseScenario(startMockVault, {
    roleFields: { token_ttl: '1h', token_max_ttl: '24h' },
  });
  const clients = Array.from(
    { length: CLIENTS },
    () =>
      new VaultKubernetesClient({
        address: mock.address,
        auth: { role: 'myapp-role', tokenPath },
        clock: mock.clock,
        logLevel: 'silent',
        token: { jitter },
        secrets: { jitter },
      }),
  );
  const start = mock.clock.now();
  // Every pod starts at once: all log in and fetch their credential at the same simulated instant.
  await Promise.all(clients.map((client) => client.secret('database/creds/app')));
  const simStarted = performance.now();
  for (let hour = 0; hour < 6; hour++) await mock.clock.advance(HOUR);
  const simMs = performance.now() - simStarted;

  const perSecond = new Map();
  for (const entry of mock.audit.entries()) {
    if (!RENEWALS.has(entry.path)) continue;
    const second = Math.floor((entry.time - start) / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  const seconds = [...perSecond.keys()];
  const first = Math.min(...seconds);
  const last = Math.max(...seconds);
  const total = [...perSecond.values()].reduce((a, b) => a + b, 0);
  const peak = Math.max(...perSecond.values());
  const mean = total / (last - first + 1);
  const errors = mock.audit.entries().filter((e) => e.status >= 400).length;
  await Promise.all(clients.map((client) => client.close()));
  await mock.close();
  return {
    jitter,
    clients: CLIENTS,
    renewals: total,
    peakPerSecond: peak,
    meanPerSecond: round(mean),
    peakOverMean: round(peak / mean),
    activeWindowS: last - first + 1,
    firstRenewalS: first,
    errorResponses: errors,
    wallS: round((performance.now() - wallStarted) / 1000),
    simulateS: round(simMs / 1000),
  };
}

const withJitter = await fleet(0.1);
// Quick mode measures the default only; the lockstep baseline is for the full run.
const lockstep = quick ? undefined : await fleet(0);

printTable(
  `Fleet: ${CLIENTS} clients started at one instant, token TTL 1 h (max 24 h), database/creds/app TTL 1 h (max 4 h), 6 simulated hours`,
  [
    ['jitter', 'renewals', 'peak/s', 'mean/s (active window)', 'peak/mean', 'window s', 'errors', 'wall s'],
    ...[withJitter, lockstep]
      .filter(Boolean)
      .map((r) => [
        `token and secrets ${r.jitter}`,
        r.renewals,
        r.peakPerSecond,
        r.meanPerSecond,
        r.peakOverMean,
        r.activeWindowS,
        r.errorResponses,
        r.wallS,
      ]),
  ],
);
emit('fleet', { quick, clients: CLIENTS, jitter: withJitter, ...(lockstep ? { noJitter: lockstep } : {}) });
