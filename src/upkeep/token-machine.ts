import type { TokenState } from '../auth/token-state';
import type { LoginReason } from '../types/events';
import { backoffDelay, firstRenewDelay, isCapped, leadFor, renewDelay } from './timing';

/**
 * The token's upkeep as one pure function over explicit phases:
 *
 *   idle ──need──▶ logging-in ──ok──▶ valid ──timer──▶ renewing ──ok──▶ valid
 *                     │  ▲               │ (max TTL, cannot renew)  │ 400: cannot extend
 *                  failed│               └──timer──▶ logging-in ◀──┘ 403: invalid token
 *                     ▼  │timer
 *                  backing-off          any ──close──▶ closed (terminal)
 *
 * `tokenStep(state, event, now, random)` returns the next state, the actions for the shell
 * (TokenManager) to perform, and when the machine's one timer is due. Time is monotonic
 * milliseconds (see Monotonic); randomness is passed in, so tests assert exact times.
 */

/** A token with the instant it ends on the machine's time base. */
export interface HeldToken {
  readonly state: TokenState;
  /** Monotonic instant the token ends; undefined for one that never expires. */
  readonly endsAt: number | undefined;
}

/** What the timer does when it fires in the `valid` phase: renew, or log in again (and why). */
export type TokenDue = 'renew' | 'max-ttl' | 'expired';

export type TokenPhase =
  | { readonly name: 'idle' }
  | {
      readonly name: 'logging-in';
      readonly reason: LoginReason;
      /** A token still alive that callers may use until the login lands (a login before max TTL). */
      readonly serving: HeldToken | undefined;
      /** The token this login replaces, alive or not. */
      readonly previous: HeldToken | undefined;
    }
  | { readonly name: 'valid'; readonly token: HeldToken; readonly due: TokenDue }
  | { readonly name: 'renewing'; readonly token: HeldToken }
  | {
      readonly name: 'backing-off';
      readonly reason: LoginReason;
      readonly serving: HeldToken | undefined;
      readonly previous: HeldToken | undefined;
      /** What callers get until `retryAt`: the last login failure (or Vault's rejection of the new token). */
      readonly error: unknown;
      readonly retryAt: number;
    }
  | { readonly name: 'closed' };

export interface TokenConfig {
  readonly renewAt: number;
  readonly jitter: number;
  readonly loginBackoff: { readonly minMs: number; readonly maxMs: number };
  /** Whether a new token can be had in the background (a login); a static token cannot. */
  readonly canLogin: boolean;
  /** Old credentials stay valid at least this long after a new token is handed over (secrets.drainMs). */
  readonly drainMs: number;
}

export interface TokenMachineState {
  readonly config: TokenConfig;
  readonly phase: TokenPhase;
  /** When the machine's one timer is due (monotonic ms), if armed. */
  readonly dueAt: number | undefined;
  /** Failed logins, and new tokens Vault rejected before they ever worked, since the last proven token. */
  readonly loginFailures: number;
  /** Failed renewals of the current token in a row. */
  readonly renewFailures: number;
  /** When the last login started: after a failure, the next waits a backoff step from here. */
  readonly lastLoginAt: number | undefined;
  /** The current token has worked (a call or a renewal succeeded with it). */
  readonly proven: boolean;
  /** The lead before the token's hard end was cut for a short TTL, and the client said so once. */
  readonly leadWarned: boolean;
}

export type TokenEvent =
  /** A caller needs a token and `usableToken` had none. */
  | { readonly type: 'need' }
  | { readonly type: 'timer' }
  /** `sentAt`: when the login was sent (its TTL runs from no later than that). */
  | { readonly type: 'login-ok'; readonly token: TokenState; readonly sentAt: number }
  /** `delivered`: a caller was waiting on this login and receives the error itself. */
  | { readonly type: 'login-failed'; readonly error: unknown; readonly delivered: boolean }
  | {
      readonly type: 'renew-ok';
      readonly generation: number;
      readonly grantedMs: number;
      readonly renewable: boolean;
      readonly sentAt: number;
      /** Epoch ms of the new end, for what the app sees. */
      readonly expiresAt: number;
    }
  | {
      readonly type: 'renew-failed';
      readonly generation: number;
      /** invalid-token: 403, the token is dead. cannot-extend: 400, past max TTL or not renewable. */
      readonly kind: 'invalid-token' | 'cannot-extend' | 'transient';
      readonly error: unknown;
    }
  /** A call with the token of `generation` was answered 403 `invalid token`. */
  | { readonly type: 'rejected'; readonly generation: number; readonly error: unknown }
  /** A call with the token of `generation` succeeded. */
  | { readonly type: 'worked'; readonly generation: number }
  | { readonly type: 'close' };

export type TokenAction =
  | { readonly type: 'login'; readonly reason: LoginReason }
  | { readonly type: 'renew'; readonly token: TokenState; readonly incrementMs: number }
  | {
      readonly type: 'logged-in';
      readonly token: HeldToken;
      readonly reason: LoginReason;
      readonly previous: HeldToken | undefined;
      /** The previous token still lives (replaced before its max TTL): its leases live with it. */
      readonly previousAlive: boolean;
      readonly failedAttempts: number;
    }
  | {
      readonly type: 'renewed';
      readonly token: HeldToken;
      readonly requestedTtlMs: number;
      readonly capped: boolean;
    }
  | {
      readonly type: 'report';
      readonly phase: 'login' | 'renew';
      readonly error: unknown;
      readonly attempt?: number;
      readonly nextAttemptInMs?: number;
      /** Already handed to a caller: not worth printing again when nobody listens for `error`. */
      readonly delivered: boolean;
    }
  | { readonly type: 'lead-scaled'; readonly ttlMs: number; readonly leadMs: number };

export interface TokenStep {
  readonly next: TokenMachineState;
  readonly actions: readonly TokenAction[];
  /** Time until the machine's timer is due, or undefined for no timer. */
  readonly delayMs: number | undefined;
}

/**
 * A token in its last seconds would die in flight: it is not handed out in its last tenth of
 * life, and never in its last 5 s (a request with its retries fits in that).
 */
export const USABLE_MARGIN_MAX_MS = 5_000;
export const USABLE_MARGIN_SHARE = 0.1;

/**
 * A failed renewal is tried again while more than this remains; with less, a renewal round trip
 * plus the usable margin would not fit, so the token is left to end and a new login follows.
 */
export const RENEW_RETRY_FLOOR_MS = 2_000;

/**
 * Backoff between failed renewals, apart from the login backoff: each retry is further bounded by
 * half the token's remaining life, so a short-lived token is retried often enough to be saved.
 */
export const RENEW_BACKOFF = { minMs: 1_000, maxMs: 60_000 } as const;

export function initialTokenState(config: TokenConfig): TokenMachineState {
  return {
    config,
    phase: { name: 'idle' },
    dueAt: undefined,
    loginFailures: 0,
    renewFailures: 0,
    lastLoginAt: undefined,
    proven: false,
    leadWarned: false,
  };
}

/** Whether a token may still be handed to a call at `now`. */
export function isUsable(token: HeldToken, now: number): boolean {
  if (token.endsAt === undefined) return true;
  const margin = Math.min(USABLE_MARGIN_MAX_MS, token.state.ttlMs * USABLE_MARGIN_SHARE);
  return now < token.endsAt - margin;
}

/** The token a call may use now, if any: the current one, or one still serving while its successor logs in. */
export function usableToken(state: TokenMachineState, now: number): HeldToken | undefined {
  const held = currentToken(state.phase);
  return held && isUsable(held, now) ? held : undefined;
}

/** The token the machine holds (or still serves), usable or not. */
export function currentToken(phase: TokenPhase): HeldToken | undefined {
  switch (phase.name) {
    case 'valid':
    case 'renewing':
      return phase.token;
    case 'logging-in':
    case 'backing-off':
      return phase.serving;
    default:
      return undefined;
  }
}

export function tokenStep(
  state: TokenMachineState,
  event: TokenEvent,
  now: number,
  random: () => number,
): TokenStep {
  if (state.phase.name === 'closed') return step(state, [], now);
  switch (event.type) {
    case 'close':
      return step({ ...state, phase: { name: 'closed' }, dueAt: undefined }, [], now);
    case 'need':
      return need(state, now);
    case 'timer':
      return timer(state, now);
    case 'login-ok':
      return loginOk(state, event, now, random);
    case 'login-failed':
      return loginFailed(state, event, now, random);
    case 'renew-ok':
      return renewOk(state, event, now, random);
    case 'renew-failed':
      return renewFailed(state, event, now, random);
    case 'rejected': {
      const held = currentToken(state.phase);
      if (!held || held.state.generation !== event.generation || !state.config.canLogin)
        return step(state, [], now);
      return tokenDied(state, held, event.error, now, random);
    }
    case 'worked': {
      const held = currentToken(state.phase);
      if (state.proven || !held || held.state.generation !== event.generation) return step(state, [], now);
      return step({ ...state, proven: true, loginFailures: 0 }, [], now);
    }
  }
}

function step(next: TokenMachineState, actions: TokenAction[], now: number): TokenStep {
  return { next, actions, delayMs: next.dueAt === undefined ? undefined : Math.max(0, next.dueAt - now) };
}

function startLogin(
  state: TokenMachineState,
  reason: LoginReason,
  serving: HeldToken | undefined,
  previous: HeldToken | undefined,
  now: number,
  actions: TokenAction[] = [],
): TokenStep {
  return step(
    {
      ...state,
      phase: { name: 'logging-in', reason, serving, previous },
      dueAt: undefined,
      lastLoginAt: now,
    },
    [...actions, { type: 'login', reason }],
    now,
  );
}

function need(state: TokenMachineState, now: number): TokenStep {
  const { phase } = state;
  switch (phase.name) {
    case 'idle':
      return startLogin(state, 'initial', undefined, undefined, now);
    case 'valid':
    case 'renewing':
      if (isUsable(phase.token, now)) return step(state, [], now);
      return startLogin(state, 'expired', undefined, phase.token, now);
    case 'backing-off':
      // Until the backoff step is over, callers get the last error at once: no login per call.
      if (now < phase.retryAt || (phase.serving && isUsable(phase.serving, now))) return step(state, [], now);
      return startLogin(state, phase.reason, phase.serving, phase.previous, now);
    default:
      return step(state, [], now);
  }
}

function timer(state: TokenMachineState, now: number): TokenStep {
  const { phase } = state;
  if (phase.name === 'valid') {
    if (phase.due === 'renew') {
      return step(
        { ...state, phase: { name: 'renewing', token: phase.token }, dueAt: undefined },
        [{ type: 'renew', token: phase.token.state, incrementMs: phase.token.state.loginTtlMs }],
        now,
      );
    }
    if (!state.config.canLogin) return step({ ...state, dueAt: undefined }, [], now);
    const alive = isUsable(phase.token, now) ? phase.token : undefined;
    return startLogin(state, phase.due, alive, phase.token, now);
  }
  if (phase.name === 'backing-off' && state.config.canLogin) {
    const serving = phase.serving && isUsable(phase.serving, now) ? phase.serving : undefined;
    return startLogin(state, phase.reason, serving, phase.previous, now);
  }
  return step({ ...state, dueAt: undefined }, [], now);
}

function loginOk(
  state: TokenMachineState,
  event: Extract<TokenEvent, { type: 'login-ok' }>,
  now: number,
  random: () => number,
): TokenStep {
  const { phase } = state;
  if (phase.name !== 'logging-in') return step(state, [], now);
  const { token, sentAt } = event;
  const held: HeldToken = { state: token, endsAt: token.ttlMs > 0 ? sentAt + token.ttlMs : undefined };
  const previous = phase.serving ?? phase.previous;
  const actions: TokenAction[] = [
    {
      type: 'logged-in',
      token: held,
      reason: phase.reason,
      previous,
      previousAlive: phase.serving !== undefined && isUsable(phase.serving, now),
      failedAttempts: state.loginFailures,
    },
  ];
  // A new token has not proven itself until it works: loginFailures stays until then, so a Vault
  // that rejects every new token still sees one login per backoff step.
  const next: TokenMachineState = { ...state, renewFailures: 0, proven: false };
  return plan(next, held, token.ttlMs, !token.renewable, true, actions, now, random);
}

/** After a login or a renewal granted `grantedMs`: renew before the end, or log in again before a hard end. */
function plan(
  state: TokenMachineState,
  held: HeldToken,
  grantedMs: number,
  hardEnd: boolean,
  first: boolean,
  actions: TokenAction[],
  now: number,
  random: () => number,
): TokenStep {
  const { config } = state;
  if (held.endsAt === undefined || grantedMs <= 0) {
    return step(
      { ...state, phase: { name: 'valid', token: held, due: 'renew' }, dueAt: undefined },
      actions,
      now,
    );
  }
  const { renewAt, jitter, drainMs } = config;
  const ttlMs = held.state.loginTtlMs || grantedMs;
  const lead = leadFor(ttlMs, drainMs);
  let leadWarned = state.leadWarned;
  const needsLead = hardEnd || held.state.renewable;
  if (lead.scaled && needsLead && !leadWarned && config.canLogin) {
    leadWarned = true;
    actions.push({ type: 'lead-scaled', ttlMs, leadMs: lead.leadMs });
  }
  if (!hardEnd) {
    const delay = (first ? firstRenewDelay : renewDelay)(grantedMs, renewAt, jitter, lead.leadMs, random);
    return step(
      { ...state, leadWarned, phase: { name: 'valid', token: held, due: 'renew' }, dueAt: now + delay },
      actions,
      now,
    );
  }
  // It cannot be extended: the next login comes at `renewAt` of what is left, and no later than
  // the lead before the end, so the old token's leases outlive the handover by the drain window.
  const delay = renewDelay(grantedMs, renewAt, jitter, lead.leadMs, random);
  return step(
    {
      ...state,
      leadWarned,
      phase: { name: 'valid', token: held, due: 'max-ttl' },
      dueAt: config.canLogin ? now + delay : undefined,
    },
    actions,
    now,
  );
}

function loginFailed(
  state: TokenMachineState,
  event: Extract<TokenEvent, { type: 'login-failed' }>,
  now: number,
  random: () => number,
): TokenStep {
  const { phase } = state;
  if (phase.name !== 'logging-in') return step(state, [], now);
  const failures = state.loginFailures + 1;
  const delay = backoffDelay(failures - 1, state.config.loginBackoff, random);
  const retryAt = now + delay;
  const serving = phase.serving && isUsable(phase.serving, now) ? phase.serving : undefined;
  return backOff(
    state,
    failures,
    { reason: phase.reason, serving, previous: phase.previous, error: event.error, retryAt },
    {
      dueAt: state.config.canLogin ? retryAt : undefined,
      nextAttemptInMs: delay,
      delivered: event.delivered,
    },
    now,
  );
}

/** A failed login (or a new token Vault never accepted): callers get `error` until `retryAt`, and it is reported. */
function backOff(
  state: TokenMachineState,
  failures: number,
  waiting: Omit<Extract<TokenPhase, { name: 'backing-off' }>, 'name'>,
  report: { dueAt: number | undefined; nextAttemptInMs: number; delivered: boolean },
  now: number,
): TokenStep {
  return step(
    {
      ...state,
      loginFailures: failures,
      phase: { name: 'backing-off', ...waiting },
      dueAt: report.dueAt,
    },
    [
      {
        type: 'report',
        phase: 'login',
        error: waiting.error,
        attempt: failures,
        nextAttemptInMs: report.nextAttemptInMs,
        delivered: report.delivered,
      },
    ],
    now,
  );
}

/** The renewing phase this renewal answer belongs to; an answer for an older token finds none. */
function renewing(
  phase: TokenPhase,
  generation: number,
): Extract<TokenPhase, { name: 'renewing' }> | undefined {
  return phase.name === 'renewing' && phase.token.state.generation === generation ? phase : undefined;
}

function renewOk(
  state: TokenMachineState,
  event: Extract<TokenEvent, { type: 'renew-ok' }>,
  now: number,
  random: () => number,
): TokenStep {
  const phase = renewing(state.phase, event.generation);
  if (!phase) return step(state, [], now);
  const before = phase.token.state;
  const held: HeldToken = {
    state: { ...before, ttlMs: event.grantedMs, renewable: event.renewable, expiresAt: event.expiresAt },
    endsAt: event.sentAt + event.grantedMs,
  };
  const requestedTtlMs = before.loginTtlMs;
  // Vault grants less than asked as the token nears its max TTL: log in again before it runs out.
  const capped = isCapped(requestedTtlMs, event.grantedMs);
  const next: TokenMachineState = { ...state, renewFailures: 0, loginFailures: 0, proven: true };
  const actions: TokenAction[] = [{ type: 'renewed', token: held, requestedTtlMs, capped }];
  if (event.grantedMs <= 0) {
    // Granted nothing (its max TTL is reached, less than a second was left): the token ends now,
    // and its leases with it. Log in again at once rather than wait for a caller to need one.
    if (!state.config.canLogin)
      return step(
        { ...next, phase: { name: 'valid', token: held, due: 'max-ttl' }, dueAt: undefined },
        actions,
        now,
      );
    return startLogin(next, 'max-ttl', undefined, held, now, actions);
  }
  return plan(next, held, event.grantedMs, capped || !event.renewable, false, actions, now, random);
}

function renewFailed(
  state: TokenMachineState,
  event: Extract<TokenEvent, { type: 'renew-failed' }>,
  now: number,
  random: () => number,
): TokenStep {
  const phase = renewing(state.phase, event.generation);
  if (!phase) return step(state, [], now);
  const token = phase.token;
  if (event.kind === 'invalid-token') return tokenDied(state, token, event.error, now, random);
  if (event.kind === 'cannot-extend') {
    // Vault refuses to renew (not renewable, past max TTL): only a new login helps.
    if (!state.config.canLogin)
      return step({ ...state, phase: { name: 'valid', token, due: 'max-ttl' }, dueAt: undefined }, [], now);
    return startLogin(state, 'max-ttl', isUsable(token, now) ? token : undefined, token, now);
  }
  const failures = state.renewFailures + 1;
  const actions: TokenAction[] = [{ type: 'report', phase: 'renew', error: event.error, delivered: false }];
  const remaining = (token.endsAt ?? now) - now;
  if (remaining > RENEW_RETRY_FLOOR_MS) {
    const delay = Math.min(backoffDelay(failures - 1, RENEW_BACKOFF, random), remaining / 2);
    return step(
      {
        ...state,
        renewFailures: failures,
        phase: { name: 'valid', token, due: 'renew' },
        dueAt: now + delay,
      },
      actions,
      now,
    );
  }
  // Too little left to try again: log in anew once it ends (a caller needing it sooner starts that login).
  return step(
    {
      ...state,
      renewFailures: failures,
      phase: { name: 'valid', token, due: 'expired' },
      dueAt: state.config.canLogin ? now + Math.max(0, remaining) : undefined,
    },
    actions,
    now,
  );
}

/**
 * Vault says the token is invalid. One that had worked was revoked behind the client's back: log in
 * again at once. One that never worked means Vault rejects new tokens (or something in front of it
 * does): that counts as a failed login, and the next waits its backoff step, so such a Vault sees
 * one login per step, not one per call.
 */
function tokenDied(
  state: TokenMachineState,
  token: HeldToken,
  error: unknown,
  now: number,
  random: () => number,
): TokenStep {
  if (state.proven) return startLogin(state, 'invalid-token', undefined, token, now);
  // The first rejection may be a token revoked between its login and its first use: one more
  // login at once. From the second in a row, each waits its backoff step from the last login.
  const failures = state.loginFailures + 1;
  if (failures === 1)
    return startLogin({ ...state, loginFailures: failures }, 'invalid-token', undefined, token, now);
  const delay = backoffDelay(failures - 2, state.config.loginBackoff, random);
  const retryAt = (state.lastLoginAt ?? now) + delay;
  if (now >= retryAt)
    return startLogin({ ...state, loginFailures: failures }, 'invalid-token', undefined, token, now);
  return backOff(
    state,
    failures,
    { reason: 'invalid-token', serving: undefined, previous: token, error, retryAt },
    { dueAt: retryAt, nextAttemptInMs: retryAt - now, delivered: true },
    now,
  );
}
