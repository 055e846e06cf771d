import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TokenState } from '../../src/auth/token-state';
import {
  currentToken,
  initialTokenState,
  isUsable,
  RENEW_BACKOFF,
  type TokenAction,
  type TokenConfig,
  type TokenEvent,
  type TokenMachineState,
  tokenStep,
  usableToken,
} from '../../src/upkeep/token-machine';
import { check } from '../property/support';
import { HOUR, MachineDriver, MINUTE, SECOND } from './machine-driver';

const CONFIG: TokenConfig = {
  renewAt: 2 / 3,
  jitter: 0.1,
  loginBackoff: { minMs: SECOND, maxMs: 5 * MINUTE },
  canLogin: true,
  drainMs: 30 * SECOND,
};

let generation = 0;
function token(ttlMs: number, renewable = true): TokenState {
  generation += 1;
  return {
    token: `hvs.token-${generation}`,
    accessor: `accessor-${generation}`,
    policies: ['default'],
    renewable,
    ttlMs,
    loginTtlMs: ttlMs,
    expiresAt: ttlMs > 0 ? ttlMs : undefined,
    generation,
  };
}

/** The token machine under the shared driver: one timer, actions recorded. */
class Driver extends MachineDriver<TokenMachineState, TokenEvent, TokenAction> {
  constructor(config: TokenConfig = CONFIG, random: () => number = () => 0.5) {
    super(initialTokenState(config), tokenStep, { type: 'timer' }, random);
  }
}

describe('token machine: exact times with injected randomness', () => {
  it('first renewal in the band before 2/3 of the TTL (full jitter), later ones at 2/3 ± jitter', () => {
    const d = new Driver(CONFIG, () => 0.5);
    expect(d.send({ type: 'need' })).toEqual([{ type: 'login', reason: 'initial' }]);
    const t = token(HOUR);
    d.send({ type: 'login-ok', token: t, sentAt: 0 });
    // 2/3 - 1/3 × 0.5 = half an hour.
    expect(d.state.dueAt).toBe(HOUR / 2);
    d.advance(HOUR / 2);
    expect(d.last('renew')).toEqual({ type: 'renew', token: t, incrementMs: HOUR });
    d.send({
      type: 'renew-ok',
      generation: t.generation,
      grantedMs: HOUR,
      renewable: true,
      sentAt: d.now,
      expiresAt: 0,
    });
    // random 0.5 is the middle of ±jitter: exactly 2/3 of the hour granted.
    expect(d.state.dueAt! - d.now).toBe((2 / 3) * HOUR);
  });

  it('a capped renewal schedules the next login before the hard end, at least the drain lead before it', () => {
    const d = new Driver({ ...CONFIG, jitter: 0 });
    d.send({ type: 'need' });
    const t = token(HOUR);
    d.send({ type: 'login-ok', token: t, sentAt: 0 });
    d.advance((2 / 3) * HOUR);
    // Vault grants 10 minutes: the max TTL is near.
    d.send({
      type: 'renew-ok',
      generation: t.generation,
      grantedMs: 10 * MINUTE,
      renewable: true,
      sentAt: d.now,
      expiresAt: 0,
    });
    expect(d.state.phase).toMatchObject({ name: 'valid', due: 'max-ttl' });
    const end = d.now + 10 * MINUTE;
    // 2/3 of the 10 minutes left, and no later than drainMs (30 s) before the end.
    expect(d.state.dueAt).toBe(d.now + (2 / 3) * 10 * MINUTE);
    expect(end - d.state.dueAt!).toBeGreaterThanOrEqual(CONFIG.drainMs);
    d.advance(d.state.dueAt! - d.now);
    expect(d.last('login')).toEqual({ type: 'login', reason: 'max-ttl' });
    // The old token still serves callers while the new login is under way.
    expect(usableToken(d.state, d.now)?.state.accessor).toBe(t.accessor);
  });

  it('a TTL too short for the drain lead: the lead is cut to a third of the TTL, said once', () => {
    const d = new Driver({ ...CONFIG, jitter: 0, drainMs: 30 * SECOND });
    d.send({ type: 'need' });
    const t = token(4 * SECOND);
    d.send({ type: 'login-ok', token: t, sentAt: 0 });
    expect(d.count('lead-scaled')).toBe(1);
    expect(d.last('lead-scaled')).toEqual({
      type: 'lead-scaled',
      ttlMs: 4 * SECOND,
      leadMs: (4 * SECOND) / 3,
    });
    d.advance(d.state.dueAt!);
    d.send({
      type: 'renew-ok',
      generation: t.generation,
      grantedMs: 1_500,
      renewable: true,
      sentAt: d.now,
      expiresAt: 0,
    });
    // The login comes no later than 4/3 s before the end: here at once, 1.5 s - 4/3 s < 2/3 × 1.5 s.
    expect(d.state.dueAt! - d.now).toBe(Math.round(1_500 - 4_000 / 3));
    expect(d.count('lead-scaled')).toBe(1);
  });

  it('a failed renewal backs off on its own backoff, bounded by half the time left', () => {
    const d = new Driver({ ...CONFIG, jitter: 0 }, () => 0);
    d.send({ type: 'need' });
    const t = token(HOUR);
    d.send({ type: 'login-ok', token: t, sentAt: 0 });
    d.advance(d.state.dueAt!);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      d.send({ type: 'renew-failed', generation: t.generation, kind: 'transient', error: new Error('503') });
      delays.push(d.state.dueAt! - d.now);
      d.advance(d.state.dueAt! - d.now);
    }
    expect(delays).toEqual(
      [1, 2, 4, 8, 16, 32, 60, 60].map((s) => Math.min(s * SECOND, RENEW_BACKOFF.maxMs)),
    );
    expect(d.count('report')).toBe(8);
  });

  it('a Vault that rejects every new token gets one login per backoff step, not one per call', () => {
    const d = new Driver(CONFIG, () => 0);
    const loginTimes: number[] = [];
    // Every login succeeds at once, with a token Vault will reject.
    d.onAction = (action) => {
      if (action.type !== 'login') return;
      loginTimes.push(d.now);
      d.send({ type: 'login-ok', token: token(HOUR), sentAt: d.now });
    };
    const send = (event: TokenEvent) => d.send(event);
    // Three calls every 100 ms for 5 s, each answered 403 invalid token.
    for (let ms = 0; ms <= 5_000; ms += 100) {
      d.advance(ms - d.now);
      for (let call = 0; call < 3; call++) {
        if (!usableToken(d.state, d.now)) send({ type: 'need' });
        const held = usableToken(d.state, d.now);
        if (held) send({ type: 'rejected', generation: held.state.generation, error: new Error('403') });
      }
    }
    // The first rejection may be a token revoked before its first use: one more login at once.
    // From then on a login per backoff step (1 s, 2 s, 4 s from the last), where 153 calls were made.
    expect(loginTimes).toEqual([0, 0, 1_000, 3_000]);
  });

  it('a token that worked and is then revoked behind the client logs in again at once', () => {
    const d = new Driver();
    d.send({ type: 'need' });
    const t = token(HOUR);
    d.send({ type: 'login-ok', token: t, sentAt: 0 });
    d.send({ type: 'worked', generation: t.generation });
    d.advance(10 * SECOND);
    expect(d.send({ type: 'rejected', generation: t.generation, error: new Error('403') })).toEqual([
      { type: 'login', reason: 'invalid-token' },
    ]);
  });

  it('a static token is never logged in for in the background and never replaced', () => {
    const d = new Driver({ ...CONFIG, canLogin: false });
    d.send({ type: 'need' });
    const t = token(HOUR, false);
    d.send({ type: 'login-ok', token: t, sentAt: 0 });
    expect(d.state.dueAt).toBeUndefined();
    expect(d.send({ type: 'rejected', generation: t.generation, error: new Error('403') })).toEqual([]);
    d.advance(2 * HOUR);
    expect(d.count('login')).toBe(1);
  });
});

type WorldStep =
  | { tag: 'advance'; ms: number }
  | { tag: 'need' }
  | { tag: 'login'; ok: boolean; ttlMs: number; renewable: boolean }
  | {
      tag: 'renew';
      outcome: 'ok' | 'capped' | 'invalid-token' | 'cannot-extend' | 'transient';
      grantedMs: number;
    }
  | { tag: 'rejected' }
  | { tag: 'worked' }
  | { tag: 'close' };

const worldStep: fc.Arbitrary<WorldStep> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ tag: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2 * HOUR }) }),
  },
  { weight: 2, arbitrary: fc.constant({ tag: 'need' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      tag: fc.constant('login' as const),
      ok: fc.boolean(),
      ttlMs: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 1, max: 10 * SECOND }),
        fc.integer({ min: 1, max: 4 * HOUR }),
      ),
      renewable: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      tag: fc.constant('renew' as const),
      outcome: fc.constantFrom('ok', 'capped', 'invalid-token', 'cannot-extend', 'transient'),
      grantedMs: fc.integer({ min: 0, max: 2 * HOUR }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ tag: 'rejected' as const }) },
  { weight: 1, arbitrary: fc.constant({ tag: 'worked' as const }) },
  { weight: 1, arbitrary: fc.constant({ tag: 'close' as const }) },
);

/** Runs a random world against the machine; returns the invariants it broke. */
function runWorld(config: TokenConfig, steps: WorldStep[], random: () => number): string[] {
  const problems: string[] = [];
  const d = new Driver(config, random);
  /** Operations started by actions and not yet answered: the single flights. */
  let loginsInFlight = 0;
  let renewalsInFlight = 0;
  let renewing: TokenState | undefined;
  let closedAt = -1;
  const flights = (actions: readonly TokenAction[]) => {
    for (const action of actions) {
      if (action.type === 'login') loginsInFlight += 1;
      if (action.type === 'renew') {
        renewalsInFlight += 1;
        renewing = action.token;
      }
    }
  };
  const check = (where: string) => {
    if (loginsInFlight > 1) problems.push(`${where}: ${loginsInFlight} logins in flight`);
    if (renewalsInFlight > 1) problems.push(`${where}: ${renewalsInFlight} renewals in flight`);
    const held = usableToken(d.state, d.now);
    if (held?.endsAt !== undefined && d.now >= held.endsAt)
      problems.push(`${where}: a token past its end is usable`);
    if (held && !isUsable(held, d.now)) problems.push(`${where}: usableToken handed out an unusable token`);
    const phase = d.state.phase.name;
    if ((phase === 'logging-in' || phase === 'renewing') && d.state.dueAt !== undefined)
      problems.push(`${where}: a timer armed while ${phase}`);
    if (phase === 'closed' && d.state.dueAt !== undefined)
      problems.push(`${where}: a timer armed after close`);
    if (closedAt >= 0 && phase !== 'closed') problems.push(`${where}: left the closed phase`);
  };
  for (const [i, s] of steps.entries()) {
    const mark = d.actions.length;
    switch (s.tag) {
      case 'advance':
        d.advance(s.ms);
        break;
      case 'need':
        if (!usableToken(d.state, d.now)) d.send({ type: 'need' });
        break;
      case 'login':
        if (loginsInFlight > 0) {
          loginsInFlight -= 1;
          d.send(
            s.ok
              ? { type: 'login-ok', token: token(s.ttlMs, s.renewable), sentAt: d.now }
              : { type: 'login-failed', error: new Error('refused'), delivered: false },
          );
        }
        break;
      case 'renew':
        if (renewalsInFlight > 0 && renewing) {
          renewalsInFlight -= 1;
          const g = renewing.generation;
          if (s.outcome === 'ok' || s.outcome === 'capped') {
            const grantedMs =
              s.outcome === 'ok' ? renewing.loginTtlMs : Math.min(s.grantedMs, renewing.loginTtlMs);
            d.send({
              type: 'renew-ok',
              generation: g,
              grantedMs,
              renewable: true,
              sentAt: d.now,
              expiresAt: 0,
            });
          } else
            d.send({ type: 'renew-failed', generation: g, kind: s.outcome, error: new Error(s.outcome) });
        }
        break;
      case 'rejected': {
        const held = currentToken(d.state.phase);
        if (held) d.send({ type: 'rejected', generation: held.state.generation, error: new Error('403') });
        break;
      }
      case 'worked': {
        const held = usableToken(d.state, d.now);
        if (held) d.send({ type: 'worked', generation: held.state.generation });
        break;
      }
      case 'close':
        if (closedAt < 0) closedAt = d.now;
        d.send({ type: 'close' });
        break;
    }
    flights(d.actions.slice(mark).map((a) => a.action));
    if (closedAt >= 0 && d.actions.length > mark && s.tag !== 'close')
      problems.push(`step ${i} (${s.tag}): actions after close`);
    check(`step ${i} (${s.tag})`);
  }
  d.send({ type: 'close' });
  // Every timer armed was fired or cleared (the shell clears the last on close).
  const open = d.timers.filter((t) => t.ended === undefined);
  if (d.state.dueAt !== undefined || open.length > 1) problems.push(`timers left armed: ${open.length}`);
  return problems;
}

describe('token machine: invariants over random worlds (fast-check)', () => {
  it('never a token past its end, one login and one renewal in flight at most, closed is terminal, no timer while waiting or closed', async () => {
    await check(
      fc.property(
        fc.array(worldStep, { minLength: 1, maxLength: 80 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.constantFrom(CONFIG, { ...CONFIG, canLogin: false }, { ...CONFIG, drainMs: 2 * HOUR, jitter: 0 }),
        (steps, r, config) => {
          const problems = runWorld(config, steps, () => r);
          if (problems.length > 0) throw new Error(problems.join('\n'));
        },
      ),
      300,
    );
  });

  it('login backoff doubles up to its cap and starts again from the minimum after a token proves good', async () => {
    await check(
      fc.property(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 1, max: 6 }), (failures, again) => {
        const d = new Driver(CONFIG, () => 0);
        const delays = (n: number) => {
          const out: number[] = [];
          for (let i = 0; i < n; i++) {
            if (!d.state.phase.name.startsWith('logging'))
              d.advance(Math.max(0, (d.state.dueAt ?? d.now) - d.now));
            if (d.state.phase.name === 'idle' || d.state.phase.name === 'valid') d.send({ type: 'need' });
            d.send({ type: 'login-failed', error: new Error('down'), delivered: false });
            out.push(d.state.dueAt! - d.now);
          }
          return out;
        };
        const first = delays(failures);
        const expected = first.map((_, i) =>
          Math.min(CONFIG.loginBackoff.minMs * 2 ** i, CONFIG.loginBackoff.maxMs),
        );
        expect(first).toEqual(expected);
        // Recover: a login that works, and a call that works with its token.
        d.advance(d.state.dueAt! - d.now);
        const t = token(HOUR);
        d.send({ type: 'login-ok', token: t, sentAt: d.now });
        d.send({ type: 'worked', generation: t.generation });
        expect(d.state.loginFailures).toBe(0);
        // Then it dies and logins fail again: the backoff starts from the minimum.
        d.send({ type: 'rejected', generation: t.generation, error: new Error('403') });
        expect(d.state.phase.name).toBe('logging-in');
        const second = [];
        for (let i = 0; i < again; i++) {
          if (d.state.phase.name === 'backing-off') d.advance(d.state.dueAt! - d.now);
          d.send({ type: 'login-failed', error: new Error('down'), delivered: false });
          second.push(d.state.dueAt! - d.now);
        }
        expect(second).toEqual(
          Array.from({ length: again }, (_, i) =>
            Math.min(CONFIG.loginBackoff.minMs * 2 ** i, CONFIG.loginBackoff.maxMs),
          ),
        );
      }),
      100,
    );
  });
});
