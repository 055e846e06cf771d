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
        // The opening burst (every client logs in and fetches at one simulated instant, all in this
        // process) can starve on a busy machine. With the default 10 s, an attempt cut in real
        // time waits for its retry on the simulated clock, which nothing advances until the burst
        // is over: the run stalled (a quick run beside the memory benches stopped at the 5 min
        // limit). Generous limits keep the burst whole; renewal timing never depends on them.
        timeouts: { requestMs: 120_000, totalMs: 600_000 },
      }),
  );
  const start = mock.clock.now();
  // Every pod starts at once: all log in and fetch their credential at the same simulated instant.
  await Promise.all(clients.map((client) => client.secret('database/creds/app')));
  const simStarted = performance.now();
  for (let hour = 0; hour < 6; hour++) await mock.clock.advance(HOUR);
  const simMs = performance.now() - simStarted;

  const times = mock.audit
    .entries()
    .filter((entry) => RENEWALS.has(entry.path))
    .map((entry) => entry.time - start);
  /** Peak over mean renewals per bucket of `bucketMs`, over the active window (first to last renewal). */
  const rate = (bucketMs) => {
    const buckets = new Map();
    for (const t of times) {
      const b = Math.floor(t / bucketMs);
      buckets.set(b, (buckets.get(b) ?? 0) + 1);
    }
    const keys = [...buckets.keys()];
    const span = Math.max(...keys) - Math.min(...keys) + 1;
    const peak = Math.max(...buckets.values());
    return { peak, mean: times.length / span, peakOverMean: round(peak / (times.length / span)) };
  };
  const perSecond = new Map();
  for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
  const seconds = [...perSecond.keys()];
  const first = Math.min(...seconds);
  const last = Math.max(...seconds);
  const total = times.length;
  const peak = Math.max(...perSecond.values());
  const mean = total / (last - first + 1);
  // At under one renewal a second on average, a per-second peak is mostly chance (a uniform random
  // schedule of this size peaks at 5 to 8 in some second); a minute holds enough renewals to show
  // a stampede, and lockstep shows at every resolution.
  const perTenSeconds = rate(10_000);
  const perMinute = rate(60_000);
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
    peakOverMeanPer10s: perTenSeconds.peakOverMean,
    peakOverMeanPerMinute: perMinute.peakOverMean,
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
    [
      'jitter',
      'renewals',
      'peak/s',
      'mean/s (active window)',
      'peak/mean per s',
      'per 10 s',
      'per min',
      'window s',
      'errors',
      'wall s',
    ],
    ...[withJitter, lockstep]
      .filter(Boolean)
      .map((r) => [
        `token and secrets ${r.jitter}`,
        r.renewals,
        r.peakPerSecond,
        r.meanPerSecond,
        r.peakOverMean,
        r.peakOverMeanPer10s,
        r.peakOverMeanPerMinute,
        r.activeWindowS,
        r.errorResponses,
        r.wallS,
      ]),
  ],
);
emit('fleet', { quick, clients: CLIENTS, jitter: withJitter, ...(lockstep ? { noJitter: lockstep } : {}) });
