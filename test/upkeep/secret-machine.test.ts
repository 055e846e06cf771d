import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FetchedSecret } from '../../src/leases/secret-shape';
import type { SecretKind } from '../../src/types/secret';
import {
  endOf,
  fetching,
  type HeldSecret,
  initialSecretState,
  type SecretAction,
  type SecretConfig,
  type SecretEvent,
  type SecretMachineState,
  secretStep,
  servable,
} from '../../src/upkeep/secret-machine';
import { check } from '../property/support';
import { HOUR, MachineDriver, MINUTE, SECOND } from './machine-driver';

const CONFIG: SecretConfig = {
  renewAt: 2 / 3,
  jitter: 0.1,
  rotateBefore: 1 / 3,
  pollIntervalMs: 5 * MINUTE,
  certificateRenewAt: 2 / 3,
  backoff: { minMs: SECOND, maxMs: 5 * MINUTE },
  drainMs: 30 * SECOND,
};

let serial = 0;
/** A value as the shell builds it: `sentAt` on the machine's time, `endsAt` its end there. */
function held(
  kind: SecretKind,
  sentAt: number,
  ttlMs: number | undefined,
  options: { renewable?: boolean; version?: number; endsAt?: number } = {},
): HeldSecret {
  serial += 1;
  const leased = kind === 'leased' || (kind === 'certificate' && ttlMs !== undefined && options.renewable);
  const fetched: FetchedSecret = {
    kind,
    data: { username: `user-${serial}`, password: `password-${serial}` },
    version: options.version,
    metadata: undefined,
    lease: leased
      ? { id: `lease-${serial}`, ttlMs: ttlMs ?? 0, renewable: options.renewable ?? true }
      : undefined,
    fetchedAt: sentAt,
    ttlMs,
    vaultExpiresAt: undefined,
  };
  return {
    fetched,
    fetchedAt: sentAt,
    endsAt: options.endsAt ?? (ttlMs === undefined ? undefined : sentAt + ttlMs),
    leaseTtlMs: fetched.lease?.ttlMs ?? 0,
    tokenEndsAt: undefined,
  };
}

/** The secret machine under the shared driver, for one path. */
class Driver extends MachineDriver<SecretMachineState, SecretEvent, SecretAction> {
  constructor(config: SecretConfig = CONFIG, random: () => number = () => 0.5, path = 'database/creds/app') {
    super(initialSecretState(config, path), secretStep, { type: 'timer' }, random);
  }
}

describe('secret machine: exact times with injected randomness', () => {
  it('a renewable lease: first renewal in the band before 2/3, a capped one replaced 1/3 of the TTL before its end', () => {
    const d = new Driver(CONFIG, () => 0.5);
    expect(d.send({ type: 'want' })).toEqual([{ type: 'fetch', reason: 'manual' }]);
    const first = held('leased', 0, HOUR);
    d.send({ type: 'fetched', value: first });
    expect(d.of('deliver')).toEqual([{ type: 'deliver', value: first }]);
    expect(d.state.dueAt).toBe(HOUR / 2);
    d.advance(d.state.dueAt!);
    expect(d.of('renew')).toEqual([{ type: 'renew', leaseId: first.fetched.lease!.id, incrementMs: HOUR }]);
    // Capped: 20 minutes granted of the hour asked.
    d.send({ type: 'renewed', grantedMs: 20 * MINUTE, sentAt: d.now });
    const end = d.now + 20 * MINUTE;
    expect(d.state.phase).toMatchObject({ name: 'fresh', due: { action: 'fetch', reason: 'max-ttl' } });
    expect(d.state.dueAt).toBe(end - HOUR / 3);
  });

  it('a certificate already expired by the pod clock is not served and not re-issued in a loop: it backs off', () => {
    const d = new Driver(CONFIG, () => 0, 'pki/issue/web');
    d.send({ type: 'want' });
    const issued: number[] = [];
    d.onAction = (action) => {
      if (action.type !== 'fetch') return;
      issued.push(d.now);
      // Vault's clock is 2 h behind: every certificate (TTL 1 h) has ended on the pod's.
      d.send({ type: 'fetched', value: held('certificate', d.now, undefined, { endsAt: d.now - HOUR }) });
    };
    // The first fetch was asked for before the hook: answer it by hand.
    issued.push(0);
    d.send({ type: 'fetched', value: held('certificate', 0, undefined, { endsAt: -HOUR }) });
    expect(d.of('deliver')).toEqual([]);
    expect(d.of('deliver-error')).toHaveLength(1);
    expect(servable(d.state, d.now)).toBeUndefined();
    // Callers within the backoff step get the error at once, with no fetch each.
    for (let i = 0; i < 100; i++) d.send({ type: 'want' });
    d.advance(3 * SECOND);
    // 1 s, then 2 s after: three issues in three seconds, not hundreds.
    expect(issued).toEqual([0, 1_000, 3_000]);
  });

  it('a lease granted for 0 s is a failure with backoff, not a value', () => {
    const d = new Driver(CONFIG, () => 0);
    d.send({ type: 'want' });
    d.send({ type: 'fetched', value: held('leased', 0, 0) });
    expect(d.state.phase.name).toBe('dead');
    expect(d.state.dueAt).toBe(SECOND);
  });

  it('a static password at its rotation instant is handed out until the next look, a backoff step later', () => {
    const d = new Driver(CONFIG, () => 0, 'database/static-creds/app');
    d.send({ type: 'want' });
    const value = held('static-credentials', 0, 0);
    d.send({ type: 'fetched', value });
    expect(d.of('deliver')).toHaveLength(1);
    // Served (no fetch per call) until the next look, a second later.
    expect(servable(d.state, 500)?.fetched).toBe(value.fetched);
    expect(d.state.dueAt).toBe(SECOND);
    // Vault keeps answering ttl 0 (its rotation is late): 1 s, 2 s, 4 s, 8 s, then 10 s apart.
    const looks: number[] = [];
    d.onAction = (action) => {
      if (action.type !== 'fetch') return;
      looks.push(d.now);
      d.send({ type: 'fetched', value: { ...value, fetchedAt: d.now, endsAt: d.now } });
    };
    d.advance(40 * SECOND);
    expect(looks).toEqual([1_000, 3_000, 7_000, 15_000, 25_000, 35_000]);
    // The same password each time: never announced as a rotation.
    expect(d.of('changed').filter((c) => c.previous !== undefined)).toEqual([]);
  });

  it('KV v2: polls metadata; a new version is fetched; a 403 on metadata switches to reading the data', () => {
    const d = new Driver({ ...CONFIG, jitter: 0 }, () => 0.5, 'secret/data/app');
    d.send({ type: 'want' });
    d.send({ type: 'fetched', value: held('kv-v2', 0, undefined, { version: 1 }) });
    d.advance(5 * MINUTE);
    expect(d.of('poll')).toHaveLength(1);
    d.send({ type: 'polled', latest: 2 });
    expect(d.of('fetch').at(-1)).toEqual({ type: 'fetch', reason: 'new-version' });
    d.send({ type: 'fetched', value: held('kv-v2', d.now, undefined, { version: 2 }) });
    expect(d.of('changed').at(-1)).toMatchObject({ reason: 'new-version', revokePrevious: false });
    d.advance(5 * MINUTE);
    d.send({ type: 'poll-failed', kind: 'denied', error: new Error('403') });
    expect(d.state.pollMetadata).toBe(false);
    d.send({ type: 'fetched', value: held('kv-v2', d.now, undefined, { version: 2 }) });
    d.advance(5 * MINUTE);
    expect(d.of('poll')).toHaveLength(2);
    expect(d.of('fetch').at(-1)).toEqual({ type: 'fetch', reason: 'new-version' });
  });

  it('a login that replaces a live token: leases fetched again, the old one served only until the old token ends', () => {
    const d = new Driver({ ...CONFIG, jitter: 0 });
    d.send({ type: 'want' });
    const old = held('leased', 0, HOUR);
    d.send({ type: 'fetched', value: old });
    d.advance(10 * MINUTE);
    const tokenEnd = d.now + 5 * MINUTE;
    expect(d.send({ type: 'token-replaced', tokenEndsAt: tokenEnd })).toEqual([
      { type: 'fetch', reason: 'relogin' },
    ]);
    expect(servable(d.state, d.now)?.fetched).toBe(old.fetched);
    expect(servable(d.state, tokenEnd)).toBeUndefined();
    const fresh = held('leased', d.now, HOUR);
    d.send({ type: 'fetched', value: fresh });
    expect(d.of('changed').at(-1)).toMatchObject({ reason: 'relogin', revokePrevious: false });
    expect(d.of('relogin-settled')).toEqual([{ type: 'relogin-settled', ok: true }]);
  });

  it('a fetch in flight at a login under a live old token: it lands, then the secret is fetched again', () => {
    const d = new Driver({ ...CONFIG, jitter: 0 });
    d.send({ type: 'want' });
    d.send({ type: 'token-replaced', tokenEndsAt: 5 * MINUTE });
    d.send({ type: 'fetched', value: held('leased', 0, HOUR) });
    // Delivered (it lives as long as the old token), and fetched again at once.
    expect(d.of('deliver')).toHaveLength(1);
    expect(d.of('fetch')).toEqual([
      { type: 'fetch', reason: 'manual' },
      { type: 'fetch', reason: 'relogin' },
    ]);
    expect(endOf((d.state.phase as { value: HeldSecret }).value)).toBe(5 * MINUTE);
  });
});

type WorldStep =
  | { tag: 'advance'; ms: number }
  | { tag: 'want'; force: boolean }
  | {
      tag: 'fetch';
      ok: boolean;
      kind: SecretKind;
      ttlMs: number;
      renewable: boolean;
      skewMs: number;
    }
  | {
      tag: 'renew';
      outcome: 'ok' | 'capped' | 'zero' | 'gone' | 'cannot-extend' | 'transient';
      grantedMs: number;
    }
  | { tag: 'poll'; outcome: 'same' | 'new' | 'denied' | 'transient' }
  | { tag: 'token'; alive: boolean; endsInMs: number }
  | { tag: 'close' };

const worldStep: fc.Arbitrary<WorldStep> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ tag: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3 * HOUR }) }),
  },
  { weight: 2, arbitrary: fc.record({ tag: fc.constant('want' as const), force: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      tag: fc.constant('fetch' as const),
      ok: fc.boolean(),
      kind: fc.constantFrom<SecretKind>('leased', 'kv-v2', 'kv', 'certificate', 'static-credentials'),
      ttlMs: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 1, max: 10 * SECOND }),
        fc.integer({ min: 1, max: 4 * HOUR }),
      ),
      renewable: fc.boolean(),
      skewMs: fc.oneof(fc.constant(0), fc.integer({ min: -3 * HOUR, max: 3 * HOUR })),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      tag: fc.constant('renew' as const),
      outcome: fc.constantFrom('ok', 'capped', 'zero', 'gone', 'cannot-extend', 'transient'),
      grantedMs: fc.integer({ min: 1, max: 2 * HOUR }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      tag: fc.constant('poll' as const),
      outcome: fc.constantFrom('same', 'new', 'denied', 'transient'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      tag: fc.constant('token' as const),
      alive: fc.boolean(),
      endsInMs: fc.integer({ min: 0, max: HOUR }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ tag: 'close' as const }) },
);

/** Runs a random world against the machine; returns the invariants it broke. */
function runWorld(config: SecretConfig, steps: WorldStep[], random: () => number): string[] {
  const problems: string[] = [];
  const d = new Driver(config, random);
  const flights = { fetch: 0, renew: 0, poll: 0 };
  let fetchSentAt = 0;
  let renewing: HeldSecret | undefined;
  let closed = false;
  let version = 1;
  d.onAction = (action) => {
    if (action.type === 'fetch') {
      flights.fetch += 1;
      fetchSentAt = d.now;
    }
    if (action.type === 'renew') flights.renew += 1;
    if (action.type === 'poll') flights.poll += 1;
    if (action.type === 'deliver') {
      const end = endOf(action.value);
      if (action.value.fetched.kind !== 'static-credentials' && end !== undefined && d.now >= end)
        problems.push(`delivered a value ${d.now - end} ms past its end`);
    }
  };
  for (const [i, s] of steps.entries()) {
    const where = `step ${i} (${s.tag})`;
    const mark = d.actions.length;
    switch (s.tag) {
      case 'advance':
        d.advance(s.ms);
        break;
      case 'want':
        if (s.force || !servable(d.state, d.now))
          d.send({ type: 'want', ...(s.force ? { force: 'manual' as const } : {}) });
        break;
      case 'fetch':
        if (flights.fetch > 0) {
          flights.fetch -= 1;
          if (s.ok) {
            const ttl = s.kind === 'kv' || s.kind === 'kv-v2' ? undefined : s.ttlMs;
            version += 1;
            const value = held(s.kind, fetchSentAt, ttl, {
              renewable: s.renewable,
              version,
              ...(s.kind === 'certificate' ? { endsAt: fetchSentAt + s.ttlMs + s.skewMs } : {}),
            });
            d.send({ type: 'fetched', value });
          } else {
            d.send({
              type: 'fetch-failed',
              error: new Error('down'),
              keepTrying: true,
              delivered: false,
            });
          }
        }
        break;
      case 'renew':
        if (flights.renew > 0) {
          flights.renew -= 1;
          renewing = (d.state.phase as { value?: HeldSecret }).value;
          const asked = renewing?.leaseTtlMs ?? HOUR;
          if (s.outcome === 'ok') d.send({ type: 'renewed', grantedMs: asked, sentAt: d.now });
          else if (s.outcome === 'capped')
            d.send({ type: 'renewed', grantedMs: Math.min(asked, s.grantedMs), sentAt: d.now });
          else if (s.outcome === 'zero') d.send({ type: 'renewed', grantedMs: 0, sentAt: d.now });
          else d.send({ type: 'renew-failed', kind: s.outcome, error: new Error(s.outcome) });
        }
        break;
      case 'poll':
        if (flights.poll > 0) {
          flights.poll -= 1;
          if (s.outcome === 'same' || s.outcome === 'new') {
            const current = (d.state.phase as { value?: HeldSecret }).value?.fetched.version ?? 0;
            d.send({ type: 'polled', latest: s.outcome === 'new' ? current + 1 : current });
          } else d.send({ type: 'poll-failed', kind: s.outcome, error: new Error(s.outcome) });
        }
        break;
      case 'token':
        d.send({ type: 'token-replaced', tokenEndsAt: s.alive ? d.now + s.endsInMs : undefined });
        break;
      case 'close':
        closed = true;
        d.send({ type: 'close' });
        break;
    }
    if (flights.fetch > 1) problems.push(`${where}: ${flights.fetch} fetches in flight`);
    if (flights.renew + flights.poll > 1) problems.push(`${where}: renewal and poll overlap`);
    if (fetching(d.state) !== flights.fetch > 0 && !closed)
      problems.push(
        `${where}: the phase (${d.state.phase.name}) and the fetches in flight (${flights.fetch}) disagree`,
      );
    const value = servable(d.state, d.now);
    const end = value && endOf(value);
    if (end !== undefined && d.now >= end)
      problems.push(`${where}: serves a value ${d.now - end} ms past its end`);
    const phase = d.state.phase.name;
    if (
      ['loading', 'replacing', 'renewing', 'polling', 'closed'].includes(phase) &&
      d.state.dueAt !== undefined
    )
      problems.push(`${where}: a timer armed while ${phase}`);
    if (closed && (phase !== 'closed' || (d.actions.length > mark && s.tag !== 'close')))
      problems.push(`${where}: not terminal after close`);
    if (problems.length > 0) break;
  }
  return problems;
}

describe('secret machine: invariants over random worlds (fast-check)', () => {
  it('never serves or delivers past the end, one fetch in flight at most, closed is terminal, no timer while waiting', async () => {
    await check(
      fc.property(
        fc.array(worldStep, { minLength: 1, maxLength: 100 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.constantFrom(
          CONFIG,
          { ...CONFIG, jitter: 0, drainMs: 2 * HOUR },
          { ...CONFIG, rotateBefore: 0.05 },
        ),
        (steps, r, config) => {
          const problems = runWorld(config, steps, () => r);
          if (problems.length > 0) throw new Error(problems.join('\n'));
        },
      ),
      400,
    );
  });

  it('background backoff doubles up to its cap, never past the end of what is served, and restarts at the minimum after a success', async () => {
    await check(
      fc.property(fc.integer({ min: 1, max: 14 }), (failures) => {
        const d = new Driver({ ...CONFIG, jitter: 0 }, () => 0);
        const backgroundFailure = (): SecretEvent => ({
          type: 'fetch-failed',
          error: new Error('down'),
          keepTrying: true,
          delivered: false,
        });
        d.send({ type: 'want' });
        d.send({ type: 'fetched', value: held('kv', 0, undefined) });
        const delays: number[] = [];
        for (let i = 0; i < failures; i++) {
          d.advance(d.state.dueAt! - d.now);
          d.send(backgroundFailure());
          delays.push(d.state.dueAt! - d.now);
        }
        expect(delays).toEqual(delays.map((_, i) => Math.min(SECOND * 2 ** i, CONFIG.backoff.maxMs)));
        d.advance(d.state.dueAt! - d.now);
        d.send({ type: 'fetched', value: held('kv', d.now, undefined) });
        expect(d.state.failures).toBe(0);
        d.advance(d.state.dueAt! - d.now);
        d.send(backgroundFailure());
        expect(d.state.dueAt! - d.now).toBe(SECOND);
      }),
      60,
    );
  });
});
