import { type VaultClientEvents, VaultKubernetesClient } from 'vault-kubernetes-client';
import type { MockVault } from 'vault-kubernetes-client/testing';
import { Apps } from './apps';
import { checkOutageRates, type RateReport } from './bounds';
import { Judge, type Sabotage } from './judge';
import { begin, blip, makePlan, type Plan, type Saboteur, switchOver } from './plan';
import { Rng } from './random';
import { TcpProxy } from './tcp-proxy';
import { Wire } from './wire';
import { createWorld, type SecretSpec } from './world';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The run's settings; the client's are lowered where the defaults would make 48 hours too slow to judge. */
export const SETTINGS = {
  runMs: 48 * HOUR,
  /** Both backoff caps (secrets.backoff.maxMs, token.loginBackoff.maxMs), lowered from 5 min. */
  backoffMaxMs: 30 * SECOND,
  pollIntervalMs: 15 * MINUTE,
  jitter: 0.1,
  /** Per-attempt timeout: real time, so drop and half-open cost this much per attempt. */
  requestMs: 200,
  /** Quiet after each episode, in which recovery is judged. */
  quietMs: 5 * MINUTE,
  apps: 6,
} as const;

export interface ScenarioResult {
  plan: Plan;
  judge: Judge;
  apps: Apps;
  wire: Wire;
  rates: RateReport;
  /** Recovery problems after each episode, and at the end. */
  health: string[];
  /** What was left after close({ revoke: true }). */
  after: { timers: number; sockets: number; leases: string[]; tokens: number };
  events: { name: keyof VaultClientEvents; payload: Record<string, unknown> }[];
  t0: number;
  /** Real milliseconds spent in each kind of episode (to its recovery check): where the run's time goes. */
  realMs: Record<string, number>;
}

/**
 * 48 simulated hours: 50 managed secrets used by apps about once a minute, while the plan's
 * faults come and go. Every value handed out is judged as it arrives; recovery is judged
 * `backoffMaxMs` after each episode; the client is closed with revoke at the end.
 */
export async function runScenario(seed: number, unexpected: (what: string) => void): Promise<ScenarioResult> {
  const rng = new Rng(seed);
  const [planRng, actRng, appRng] = [rng.fork('plan'), rng.fork('act'), rng.fork('apps')];
  const world = await createWorld();
  const { mock, specs } = world;
  const clock = mock.clock;
  // Time stays still for the whole of every HTTP attempt (up to its timeout), but a task blocked
  // on another's retry sleep is waiting on the clock: that wait is cut short.
  clock.stallMs = 10;
  clock.ioStallMs = 5 * SETTINGS.requestMs;
  const proxy = await TcpProxy.start(mock.address);
  const wire = new Wire(clock, { client: proxy.address, server: mock.address }, (path, body) =>
    secretOf(specs, path, body),
  );
  const sabotage: Sabotage = { leases: new Map(), owners: new Map() };
  const t0 = clock.now();
  const plan = makePlan(planRng, t0, t0 + SETTINGS.runMs, SETTINGS.quietMs);
  const windows = [
    ...plan.episodes.map((e) => ({ start: e.start, end: e.end })),
    ...plan.blips.map((b) => ({ start: b.at, end: b.at + 2 * MINUTE })),
  ].sort((a, b) => a.start - b.start);
  const judge = new Judge(mock, wire, world.kvHistory, sabotage, {
    pollLagMs: SETTINGS.pollIntervalMs * (1 + SETTINGS.jitter) + SECOND,
    recoveryMs: SETTINGS.backoffMaxMs + SECOND,
    windows: () => windows,
  });
  const backoff = { minMs: SECOND, maxMs: SETTINGS.backoffMaxMs };
  const client = new VaultKubernetesClient({
    address: proxy.address,
    auth: { role: 'myapp-role', tokenPath: world.tokenPath },
    clock,
    logLevel: 'silent',
    timeouts: { requestMs: SETTINGS.requestMs },
    token: { loginBackoff: backoff },
    secrets: { backoff, pollIntervalMs: SETTINGS.pollIntervalMs, jitter: SETTINGS.jitter },
  });
  const events: ScenarioResult['events'] = [];
  for (const name of ['auth:login', 'secret:rotated', 'lease:expired', 'error'] as const)
    client.on(name, (payload) => events.push({ name, payload: payload as never }));
  const apps = new Apps(clock, client, judge, appRng, unexpected);
  const saboteur: Saboteur = { mock, proxy, client, wire, sabotage, rng: actRng };
  const health: string[] = [];
  const realMs: Record<string, number> = {};
  const at = (t: number) => `+${((t - t0) / HOUR).toFixed(2)}h`;

  const steps: { at: number; run: () => Promise<unknown> }[] = [];
  for (const episode of plan.episodes) {
    let undo: (() => Promise<void>) | undefined;
    let began = 0;
    steps.push({
      at: episode.start,
      run: async () => {
        began = performance.now();
        undo = await begin(saboteur, episode);
      },
    });
    const { switchAt } = episode;
    if (switchAt !== undefined) steps.push({ at: switchAt, run: () => switchOver(saboteur) });
    steps.push({ at: episode.end, run: async () => undo?.() });
    steps.push({
      at: episode.end + SETTINGS.backoffMaxMs,
      run: async () => {
        realMs[episode.kind] = (realMs[episode.kind] ?? 0) + Math.round(performance.now() - began);
        for (const p of await healthCheck(client, specs, judge, mock))
          health.push(`${episode.kind} (${at(episode.start)}-${at(episode.end)}): ${p}`);
      },
    });
  }
  for (const b of plan.blips) {
    let undo: (() => Promise<void>) | undefined;
    steps.push({ at: b.at, run: async () => (undo = (await blip(saboteur, b)).undo) });
    steps.push({ at: b.at + 2 * MINUTE, run: async () => undo?.() });
  }
  for (const t of plan.kvWrites) steps.push({ at: t, run: () => world.writeKv(actRng) });
  steps.sort((a, b) => a.at - b.at);

  apps.start(specs, SETTINGS.apps);
  // A watcher on one secret of each kind (and a second dynamic one): every delivery is judged too.
  apps.watch([0, 4, 18, 23, 35, 42].map((i) => specs[i]!));
  for (const step of steps) {
    await clock.advanceTo(step.at);
    await step.run();
  }
  await proxy.setMode({ kind: 'pass' });
  mock.faults.clear();
  mock.unseal();
  await clock.advanceTo(t0 + SETTINGS.runMs);
  for (const p of await healthCheck(client, specs, judge, mock)) health.push(`at the end: ${p}`);
  apps.stop();
  // Calls still waiting out a retry finish on the clock before the client closes.
  await clock.advance(MINUTE);

  const accessors = wire.accessors();
  await client.close({ revoke: true });
  await wire.close();
  // The client's FINs reach the proxy as events; a socket left open is reported below (after 2 s).
  await Promise.race([
    proxy.clientSocketsClosed(),
    new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
  ]);
  const after = {
    timers: clock.pendingTimers(),
    sockets: proxy.openClientSockets(),
    leases: mock
      .leases()
      .filter((l) => accessors.includes(l.tokenAccessor))
      .map((l) => l.path),
    tokens: mock.tokens().filter((t) => accessors.includes(t.accessor)).length,
  };
  // A failover is shorter than any lease's remaining life at its renewal: no lease may be lost to it.
  for (const episode of plan.episodes.filter((e) => e.kind === 'failover')) {
    for (const e of events) {
      const t = Number(e.payload.at);
      if (e.name === 'lease:expired' && t >= episode.start && t <= episode.end + SETTINGS.backoffMaxMs)
        health.push(
          `failover (${at(episode.start)}-${at(episode.end)}): lease of ${e.payload.path} lost at ${at(t)}`,
        );
    }
  }
  // Recovered means recovered: no background failure from the backoff cap after an episode to the next fault.
  for (const episode of plan.episodes) {
    const from = episode.end + SETTINGS.backoffMaxMs;
    const next = Math.min(
      episode.end + SETTINGS.quietMs,
      ...plan.episodes.filter((e) => e.start >= episode.end).map((e) => e.start),
      ...plan.blips.filter((b) => b.at >= episode.end).map((b) => b.at),
    );
    for (const e of events) {
      const t = Number(e.payload.at);
      if (e.name !== 'error' || t <= from || t >= next) continue;
      const error = e.payload.error as { code?: string; message?: string };
      health.push(
        `${episode.kind} (${at(episode.start)}-${at(episode.end)}): still failing at ${at(t)}: ${e.payload.phase} ${e.payload.path ?? ''} ${error.code}: ${error.message}`,
      );
    }
  }
  const rates = checkOutageRates(
    specs.length,
    plan.episodes,
    wire.attempts,
    apps.calls,
    mock.audit.entries().map((e) => e.time),
  );
  await proxy.close();
  await mock.close();
  return { plan, judge, apps, wire, rates, health, after, events, t0, realMs };
}

/**
 * Everything healthy again: every secret served straight from the cache (a value kept current in
 * the background resolves before any I/O could), bar a static password Vault has just rotated,
 * and the client's token alive. Nothing here waits on I/O, so a call held up on the shared clock
 * cannot stall the check; a value that does need Vault is judged when it arrives.
 */
async function healthCheck(
  client: VaultKubernetesClient,
  specs: readonly SecretSpec[],
  judge: Judge,
  mock: MockVault,
): Promise<string[]> {
  const problems: string[] = [];
  for (const spec of specs) {
    let failed: unknown;
    const call = client.secret(spec.path, spec.body ? { body: spec.body } : {}).then(
      (secret) => judge.check(spec, secret as never, 'health'),
      (error: unknown) => {
        failed = error;
      },
    );
    const fromCache = await Promise.race([
      call.then(() => true),
      new Promise<false>((resolve) => setImmediate(() => resolve(false))),
    ]);
    if (failed !== undefined) problems.push(`${spec.key} not served: ${String(failed)}`);
    else if (!fromCache && spec.kind !== 'static')
      problems.push(`${spec.key} was not kept current in the background (Vault had to be asked)`);
  }
  const accessor = client.tokenInfo()?.accessor;
  if (!accessor || !mock.tokens().some((t) => t.accessor === accessor)) problems.push('no live token');
  return problems;
}

/** Which managed secret an attempt served: by path, by lease id, or by a certificate's common name. */
function secretOf(
  specs: readonly SecretSpec[],
  path: string,
  body: Record<string, unknown> | undefined,
): string | undefined {
  if (path.startsWith('pki/issue/')) return specs.find((s) => s.body?.common_name === body?.common_name)?.key;
  const target = (typeof body?.lease_id === 'string' ? body.lease_id : path).replace(
    'secret/metadata/',
    'secret/data/',
  );
  return specs.find((s) => target === s.path || target.startsWith(`${s.path}/`))?.key;
}
