import { LeaseError } from '../errors';
import { changed, reasonPastEnd } from '../leases/secret-change';
import type { FetchedSecret } from '../leases/secret-shape';
import type { ErrorPhase, RotationReason } from '../types/events';
import {
  backoffDelay,
  certificateDelay,
  firstRenewDelay,
  isCapped,
  jittered,
  leadFor,
  renewDelay,
  replaceDelay,
} from './timing';

/**
 * One managed secret's upkeep as a pure function over explicit phases:
 *
 *   empty ──want──▶ loading ──fetched──▶ fresh ──timer──▶ renewing ──renewed──▶ fresh
 *                     │                  │ ▲  └──timer──▶ polling ──polled──▶ fresh
 *                     │ failed           │ └─────────── replacing ◀──timer (max TTL, new version,
 *                     ▼                  │ past its end                 certificate, relogin, rotate)
 *                    dead ◀──────────────┘ (nothing left to serve)
 *                     └──timer/want──▶ loading            any ──close──▶ closed (terminal)
 *
 * "Fetch it again" has one name: the `fetch` action, with a reason. While a value is servable
 * (fresh, renewing, polling, replacing) callers get it; the machine hands out nothing past its
 * end (`servable`). At most one fetch is in flight: only loading and replacing have one.
 * `secretStep(state, event, now, random)` returns the next state, the actions for the shell
 * (ManagedSecret) to perform and when its one timer is due. Time is monotonic milliseconds.
 */

/** A value the machine holds, with its ends on the machine's time base. */
export interface HeldSecret {
  readonly fetched: FetchedSecret;
  /** When it arrived (monotonic): a certificate's lifetime for re-issue counts from here. */
  readonly fetchedAt: number;
  /** When it stops being usable (lease end as renewed, certificate expiry, static rotation). */
  readonly endsAt: number | undefined;
  /** The lease's TTL as first granted: what renewals ask for again. */
  readonly leaseTtlMs: number;
  /** When the token that created its lease dies, once a login replaced that token. */
  readonly tokenEndsAt: number | undefined;
}

export type SecretUpkeep =
  | { readonly action: 'renew' }
  | { readonly action: 'poll' }
  | { readonly action: 'fetch'; readonly reason: RotationReason };

export type SecretPhase =
  | { readonly name: 'empty' }
  /** A fetch in flight with nothing to serve; `previous` is the value it replaces, already unusable. */
  | { readonly name: 'loading'; readonly reason: RotationReason; readonly previous: HeldSecret | undefined }
  | { readonly name: 'fresh'; readonly value: HeldSecret; readonly due: SecretUpkeep }
  | { readonly name: 'renewing'; readonly value: HeldSecret }
  | { readonly name: 'polling'; readonly value: HeldSecret }
  /** A fetch in flight while the current value is still served. */
  | { readonly name: 'replacing'; readonly value: HeldSecret; readonly reason: RotationReason }
  /**
   * Nothing servable; the next fetch is due at `retryAt`. Until then callers get `error` rather
   * than a fetch each, whatever the failure: Vault down, garbage, or a refusal (403, 404, 400)
   * that an app asking a thousand times a second would otherwise turn into as many reads.
   */
  | {
      readonly name: 'dead';
      readonly value: HeldSecret | undefined;
      readonly reason: RotationReason;
      readonly error: unknown;
      readonly retryAt: number;
    }
  | { readonly name: 'closed' };

/** The timing options, one object shared by every secret of a client. */
export interface SecretConfig {
  readonly renewAt: number;
  readonly jitter: number;
  readonly rotateBefore: number;
  readonly pollIntervalMs: number;
  readonly certificateRenewAt: number;
  readonly backoff: { readonly minMs: number; readonly maxMs: number };
  readonly drainMs: number;
}

export interface SecretMachineState {
  readonly config: SecretConfig;
  /** The secret's path, for what the machine says about it. */
  readonly path: string;
  readonly phase: SecretPhase;
  /** When the machine's one timer is due (monotonic ms), if armed. */
  readonly dueAt: number | undefined;
  /** Background failures in a row (fetch, renewal, poll): the backoff step. */
  readonly failures: number;
  /**
   * Reads in a row that found a static password at or past its rotation (Vault's `ttl` 0): Vault
   * has not rotated it yet, so it is read again with backoff rather than every second.
   */
  readonly overdue: number;
  /** KV v2 versions are polled on metadata/ until a policy refuses it; then the data itself is read. */
  readonly pollMetadata: boolean;
  /**
   * A login replaced the token while a fetch was in flight under the old one: when it lands, fetch
   * again (its lease dies with the old token). `tokenEndsAt` is the old token's end, if it lives.
   */
  readonly refetch: { readonly tokenEndsAt: number } | undefined;
  /** A fetch under the new token is owed since a login replaced the token; settled once it lands. */
  readonly awaitingRelogin: boolean;
  /** The lead before a hard end was cut for a short TTL, and the client said so once. */
  readonly leadWarned: boolean;
}

export type SecretEvent =
  /** A caller wants the value and none is servable; `force`: fetch anew even if one is (rotate()). */
  | { readonly type: 'want'; readonly force?: RotationReason }
  | { readonly type: 'fetched'; readonly value: HeldSecret }
  /** `delivered`: a caller waits on this fetch and gets the error itself. `keepTrying`: retry in the background. */
  | {
      readonly type: 'fetch-failed';
      readonly error: unknown;
      readonly keepTrying: boolean;
      readonly delivered: boolean;
    }
  | { readonly type: 'timer' }
  | { readonly type: 'renewed'; readonly grantedMs: number; readonly sentAt: number }
  /** gone: Vault no longer knows the lease. cannot-extend: max TTL or not renewable. */
  | {
      readonly type: 'renew-failed';
      readonly kind: 'gone' | 'cannot-extend' | 'transient';
      readonly error: unknown;
    }
  | { readonly type: 'polled'; readonly latest: unknown }
  | { readonly type: 'poll-failed'; readonly kind: 'denied' | 'transient'; readonly error: unknown }
  /** A login replaced the token; `tokenEndsAt`: the old token's end if it lives on, undefined if it died. */
  | { readonly type: 'token-replaced'; readonly tokenEndsAt: number | undefined }
  | { readonly type: 'close' };

export type SecretAction =
  | { readonly type: 'fetch'; readonly reason: RotationReason }
  | { readonly type: 'renew'; readonly leaseId: string; readonly incrementMs: number }
  | { readonly type: 'poll' }
  /** Hand a value to the callers waiting on the fetch that just landed. */
  | { readonly type: 'deliver'; readonly value: HeldSecret }
  /** Fail the callers waiting on the fetch that just failed. */
  | { readonly type: 'deliver-error'; readonly error: unknown }
  | {
      readonly type: 'changed';
      readonly previous: HeldSecret | undefined;
      readonly current: HeldSecret;
      readonly reason: RotationReason;
      /** The previous lease still lives and nothing else will end it: revoke it after the drain. */
      readonly revokePrevious: boolean;
    }
  | {
      readonly type: 'renewed';
      readonly value: HeldSecret;
      readonly leaseId: string;
      readonly requestedTtlMs: number;
      readonly ttlMs: number;
    }
  | {
      readonly type: 'report';
      readonly error: unknown;
      readonly phase: ErrorPhase;
      readonly delivered: boolean;
    }
  /** The value reached its end with no replacement: lease:expired and ERR_LEASE_EXPIRED. */
  | { readonly type: 'expired'; readonly value: HeldSecret }
  /** The fetch owed since a login landed (ok) or failed. */
  | { readonly type: 'relogin-settled'; readonly ok: boolean }
  | { readonly type: 'lead-scaled'; readonly ttlMs: number; readonly leadMs: number };

export interface SecretStep {
  readonly next: SecretMachineState;
  readonly actions: readonly SecretAction[];
  /** Time until the machine's timer is due, or undefined for no timer. */
  readonly delayMs: number | undefined;
}

/** The upkeep steps, made once: a secret at rest holds one of these, not an object of its own. */
const RENEW: SecretUpkeep = Object.freeze({ action: 'renew' });
const POLL: SecretUpkeep = Object.freeze({ action: 'poll' });
const FETCH = new Map<RotationReason, SecretUpkeep>();
function fetchFor(reason: RotationReason): SecretUpkeep {
  let due = FETCH.get(reason);
  if (!due) {
    due = Object.freeze({ action: 'fetch', reason });
    FETCH.set(reason, due);
  }
  return due;
}

/** Vault sets a static role's new password at the instant it states; read it just after. */
export const STATIC_ROTATION_SLACK_MS = 1_000;

/**
 * A static password still at its rotation instant (`ttl` 0) is read again with backoff up to this
 * long: Vault looks for due rotations about every 5 s and retries a failed one
 * (builtin/logical/database/path_roles.go, CredentialTTL), so a longer wait would only serve a
 * password Vault has replaced for longer.
 */
export const STATIC_OVERDUE_MAX_MS = 10_000;

export function initialSecretState(config: SecretConfig, path: string): SecretMachineState {
  return {
    config,
    path,
    phase: { name: 'empty' },
    dueAt: undefined,
    failures: 0,
    overdue: 0,
    pollMetadata: true,
    refetch: undefined,
    awaitingRelogin: false,
    leadWarned: false,
  };
}

/** When a value stops being usable: its own end, or its token's if that comes first. */
export function endOf(value: HeldSecret): number | undefined {
  if (value.tokenEndsAt === undefined) return value.endsAt;
  return Math.min(value.endsAt ?? value.tokenEndsAt, value.tokenEndsAt);
}

function alive(value: HeldSecret, now: number): boolean {
  const end = endOf(value);
  return end === undefined || now < end;
}

/** The value a caller may have now, if any: never one past its end or its token's. */
export function servable(state: SecretMachineState, now: number): HeldSecret | undefined {
  const { phase } = state;
  switch (phase.name) {
    case 'fresh':
    case 'renewing':
    case 'polling':
    case 'replacing':
      return alive(phase.value, now) ? phase.value : undefined;
    default:
      return undefined;
  }
}

/** Whether a fetch is in flight (the single flight). */
export function fetching(state: SecretMachineState): boolean {
  return state.phase.name === 'loading' || state.phase.name === 'replacing';
}

export function secretStep(
  state: SecretMachineState,
  event: SecretEvent,
  now: number,
  random: () => number,
): SecretStep {
  if (state.phase.name === 'closed') return step(state, [], now);
  switch (event.type) {
    case 'close':
      return step({ ...state, phase: { name: 'closed' }, dueAt: undefined, refetch: undefined }, [], now);
    case 'want':
      return want(state, event.force, now);
    case 'fetched':
      return fetched(state, event.value, now, random);
    case 'fetch-failed':
      return fetchFailed(state, event, now, random);
    case 'timer':
      return timer(state, now);
    case 'renewed':
      return renewed(state, event, now, random);
    case 'renew-failed':
      return renewFailed(state, event, now, random);
    case 'polled':
      return polled(state, event.latest, now, random);
    case 'poll-failed':
      return pollFailed(state, event, now, random);
    case 'token-replaced':
      return tokenReplaced(state, event.tokenEndsAt, now);
  }
}

function step(next: SecretMachineState, actions: SecretAction[], now: number): SecretStep {
  return { next, actions, delayMs: next.dueAt === undefined ? undefined : Math.max(0, next.dueAt - now) };
}

/** Starts the one fetch: `replacing` while `serving` is still usable, `loading` otherwise. */
function startFetch(
  state: SecretMachineState,
  reason: RotationReason,
  serving: HeldSecret | undefined,
  previous: HeldSecret | undefined,
  now: number,
  actions: SecretAction[] = [],
): SecretStep {
  const phase: SecretPhase =
    serving && alive(serving, now)
      ? { name: 'replacing', value: serving, reason }
      : { name: 'loading', reason, previous: serving ?? previous };
  return step({ ...state, phase, dueAt: undefined }, [...actions, { type: 'fetch', reason }], now);
}

function want(state: SecretMachineState, force: RotationReason | undefined, now: number): SecretStep {
  const { phase } = state;
  switch (phase.name) {
    case 'empty':
      return startFetch(state, force ?? 'manual', undefined, undefined, now);
    case 'fresh':
    case 'renewing':
    case 'polling': {
      if (alive(phase.value, now)) {
        if (force === undefined) return step(state, [], now);
        return startFetch(state, force, phase.value, undefined, now);
      }
      return startFetch(state, force ?? reasonPastEnd(phase.value.fetched.kind), undefined, phase.value, now);
    }
    case 'dead':
      // Until the backoff step is over, callers get the last error at once: no fetch per call.
      if (now < phase.retryAt && force === undefined) return step(state, [], now);
      return startFetch(state, force ?? phase.reason, undefined, phase.value, now);
    default:
      return step(state, [], now);
  }
}

function fetched(
  state: SecretMachineState,
  value: HeldSecret,
  now: number,
  random: () => number,
): SecretStep {
  const { phase } = state;
  if (phase.name !== 'loading' && phase.name !== 'replacing') return step(state, [], now);
  const previous = phase.name === 'replacing' ? phase.value : phase.previous;
  const previousAlive = phase.name === 'replacing' && alive(phase.value, now);
  let arrived =
    state.refetch && value.fetched.lease ? { ...value, tokenEndsAt: state.refetch.tokenEndsAt } : value;
  let overdue = 0;
  if (
    arrived.fetched.kind === 'static-credentials' &&
    arrived.endsAt !== undefined &&
    arrived.endsAt <= now
  ) {
    // Vault hands out the password it has not rotated yet: it is the current one until the next
    // look, which comes after a backoff step rather than a second (nor at every caller's call).
    overdue = state.overdue + 1;
    const delay = backoffDelay(
      overdue - 1,
      { minMs: STATIC_ROTATION_SLACK_MS, maxMs: STATIC_OVERDUE_MAX_MS },
      random,
    );
    arrived = { ...arrived, endsAt: now + delay };
  }
  const unusable = unusableOnArrival(state.path, arrived, now);
  if (unusable) {
    return failed(
      { ...state, refetch: undefined },
      unusable,
      { keepTrying: true, delivered: false, phase: 'read', reason: phase.reason },
      now,
      random,
    );
  }
  const actions: SecretAction[] = [];
  let current = arrived;
  let next: SecretMachineState = { ...state, failures: 0, overdue };
  if (previous && !changed(previous.fetched, arrived.fetched)) {
    // The same secret again (same version, same data; a static password Vault has not rotated
    // yet): no announcement. A value with no end is kept as it is, so its views stay; one with
    // an end takes the new timing.
    if (previous.endsAt === undefined && arrived.endsAt === undefined) current = previous;
  } else {
    actions.push({
      type: 'changed',
      previous,
      current,
      reason: phase.reason,
      revokePrevious:
        previous?.fetched.lease !== undefined &&
        previousAlive &&
        phase.reason !== 'lease-lost' &&
        phase.reason !== 'relogin',
    });
  }
  actions.push({ type: 'deliver', value: current });
  if (state.refetch && current.fetched.lease) {
    // It went out under the old token: its lease dies with that token. Fetch again at once.
    next = { ...next, refetch: undefined };
    return startFetch(next, 'relogin', current, undefined, now, actions);
  }
  next = { ...next, refetch: undefined };
  if (state.awaitingRelogin) {
    next = { ...next, awaitingRelogin: false };
    actions.push({ type: 'relogin-settled', ok: true });
  }
  return schedule(next, current, true, actions, now, random);
}

/**
 * A value that arrives already past its end is no value: a lease granted for 0 s, or a
 * certificate whose `expiration` has passed on this pod's clock (the pod's clock ahead of
 * Vault's by more than its TTL). Serving it would hand out something dead, and fetching again at
 * once would loop: it is a failure, retried with backoff. A static password at its rotation
 * instant is the exception: Vault rotates it within a second and it is current until then.
 */
function unusableOnArrival(path: string, value: HeldSecret, now: number): LeaseError | undefined {
  const { fetched } = value;
  if (fetched.kind === 'static-credentials') return undefined;
  if (value.endsAt === undefined || value.endsAt > now) return undefined;
  const leaseId = fetched.lease?.id;
  const details = { path, ...(leaseId ? { leaseId } : {}) };
  if (fetched.kind === 'certificate') {
    return new LeaseError(
      'ERR_LEASE_EXPIRED',
      `Vault issued a certificate for ${path} that has already expired by this pod's clock: the pod's clock is ahead of Vault's by at least the certificate's TTL (check NTP on the node), or the TTL is too short; retrying with backoff`,
      details,
    );
  }
  return new LeaseError(
    'ERR_LEASE_EXPIRED',
    `Vault granted ${path} a lease that ends as it arrives (lease_duration 0); retrying with backoff`,
    details,
  );
}

/** Plans the upkeep of a value just fetched or renewed: what the timer does next, and when. */
function schedule(
  state: SecretMachineState,
  value: HeldSecret,
  first: boolean,
  actions: SecretAction[],
  now: number,
  random: () => number,
): SecretStep {
  const { config } = state;
  const { fetched } = value;
  const remaining = (value.endsAt ?? now) - now;
  let due: SecretUpkeep;
  let delay: number;
  let leadWarned = state.leadWarned;
  const lead = (ttlMs: number) => {
    const l = leadFor(ttlMs, config.drainMs);
    if (l.scaled && !leadWarned) {
      leadWarned = true;
      actions.push({ type: 'lead-scaled', ttlMs, leadMs: l.leadMs });
    }
    return l.leadMs;
  };
  switch (fetched.kind) {
    case 'leased':
      if (fetched.lease?.renewable) {
        due = RENEW;
        const leadMs = lead(value.leaseTtlMs);
        delay = (first ? firstRenewDelay : renewDelay)(
          value.leaseTtlMs,
          config.renewAt,
          config.jitter,
          leadMs,
          random,
        );
      } else {
        due = fetchFor('max-ttl');
        delay = replaceDelay(remaining, value.leaseTtlMs, config.rotateBefore, lead(value.leaseTtlMs));
      }
      break;
    case 'certificate': {
      const lifetime = (value.endsAt ?? now) - value.fetchedAt;
      due = fetchFor('certificate-expiring');
      delay = certificateDelay(
        value.fetchedAt,
        value.endsAt ?? now,
        now,
        config.certificateRenewAt,
        config.jitter,
        lead(lifetime),
        random,
      );
      break;
    }
    case 'static-credentials':
      due = fetchFor('new-version');
      // Just after Vault's rotation; a password found overdue is looked at again at its (backoff) end.
      delay = Math.max(0, remaining) + (state.overdue > 0 ? 0 : STATIC_ROTATION_SLACK_MS);
      break;
    case 'kv-v2':
      due = state.pollMetadata ? POLL : fetchFor('new-version');
      delay = jittered(config.pollIntervalMs, config.jitter, random);
      break;
    case 'kv':
      due = fetchFor('new-version');
      delay = jittered(config.pollIntervalMs, config.jitter, random);
      break;
  }
  return step(
    { ...state, leadWarned, phase: { name: 'fresh', value, due }, dueAt: now + delay },
    actions,
    now,
  );
}

/**
 * A background failure: the value keeps being served while it lives, and the work is retried
 * with backoff, never later than the value's end (err early). With nothing left to serve the
 * secret is dead until a fetch succeeds.
 */
function failed(
  state: SecretMachineState,
  error: unknown,
  how: {
    keepTrying: boolean;
    delivered: boolean;
    phase: ErrorPhase;
    /** Why the retry fetches, when it does. */
    reason: RotationReason;
    /** What the retry does, when not decided here (renew while there is time, else fetch). */
    retry?: SecretUpkeep;
  },
  now: number,
  random: () => number,
): SecretStep {
  const { phase } = state;
  const failures = state.failures + 1;
  const backoff = backoffDelay(failures - 1, state.config.backoff, random);
  const actions: SecretAction[] = [{ type: 'report', error, phase: how.phase, delivered: how.delivered }];
  if (phase.name === 'loading' || phase.name === 'replacing') actions.push({ type: 'deliver-error', error });
  const { reason, retry } = how;
  let settled: SecretMachineState = { ...state, failures };
  if (state.awaitingRelogin && !state.refetch && (phase.name === 'loading' || phase.name === 'replacing')) {
    settled = { ...settled, awaitingRelogin: false };
    actions.push({ type: 'relogin-settled', ok: false });
  }
  const value = heldValue(phase);
  if (value && alive(value, now)) {
    const end = endOf(value);
    const delay = end === undefined ? backoff : Math.min(backoff, end - now);
    // A renewable lease with time to spare is renewed again; otherwise it is replaced.
    const renewable =
      value.fetched.kind === 'leased' &&
      value.fetched.lease?.renewable === true &&
      value.tokenEndsAt === undefined &&
      end !== undefined &&
      end - (now + delay) > value.leaseTtlMs * state.config.rotateBefore;
    const due: SecretUpkeep = retry ?? (renewable ? RENEW : fetchFor(reason));
    return step({ ...settled, phase: { name: 'fresh', value, due }, dueAt: now + delay }, actions, now);
  }
  if (value && phase.name !== 'dead' && phase.name !== 'loading') actions.push({ type: 'expired', value });
  const retryAt = now + backoff;
  return step(
    {
      ...settled,
      phase: {
        name: 'dead',
        value: value ?? (phase.name === 'loading' ? phase.previous : undefined),
        reason: value ? reasonPastEnd(value.fetched.kind) : reason,
        error,
        retryAt,
      },
      dueAt: how.keepTrying ? retryAt : undefined,
    },
    actions,
    now,
  );
}

function heldValue(phase: SecretPhase): HeldSecret | undefined {
  switch (phase.name) {
    case 'fresh':
    case 'renewing':
    case 'polling':
    case 'replacing':
      return phase.value;
    default:
      return undefined;
  }
}

function fetchFailed(
  state: SecretMachineState,
  event: Extract<SecretEvent, { type: 'fetch-failed' }>,
  now: number,
  random: () => number,
): SecretStep {
  const { phase } = state;
  if (phase.name !== 'loading' && phase.name !== 'replacing') return step(state, [], now);
  if (state.refetch) {
    // The fetch that went out under the old token failed: try at once under the new one.
    const actions: SecretAction[] = [{ type: 'deliver-error', error: event.error }];
    const serving = phase.name === 'replacing' ? phase.value : undefined;
    const previous = phase.name === 'loading' ? phase.previous : undefined;
    return startFetch({ ...state, refetch: undefined }, 'relogin', serving, previous, now, actions);
  }
  return failed(
    state,
    event.error,
    {
      // A secret that had a value is kept current: retried in the background. A first load that
      // failed is retried only for a watcher; a caller will ask again.
      keepTrying: event.keepTrying || phase.name === 'replacing' || phase.previous !== undefined,
      delivered: event.delivered,
      phase: phase.name === 'replacing' ? 'rotate' : 'read',
      reason: phase.reason,
    },
    now,
    random,
  );
}

function timer(state: SecretMachineState, now: number): SecretStep {
  const { phase } = state;
  if (phase.name === 'dead') return startFetch(state, phase.reason, undefined, phase.value, now);
  if (phase.name !== 'fresh') return step({ ...state, dueAt: undefined }, [], now);
  const { value, due } = phase;
  if (!alive(value, now)) {
    // A static password is read again just after Vault rotates it, by design. Anything else
    // reached its end with no replacement (Vault away all along): say so, and fetch now.
    const planned = value.fetched.kind === 'static-credentials' && value.tokenEndsAt === undefined;
    const actions: SecretAction[] = planned ? [] : [{ type: 'expired', value }];
    const reason = due.action === 'fetch' && planned ? due.reason : reasonPastEnd(value.fetched.kind);
    return startFetch(state, reason, undefined, value, now, actions);
  }
  const lease = value.fetched.lease;
  if (due.action === 'renew' && lease && value.tokenEndsAt === undefined) {
    return step(
      { ...state, phase: { name: 'renewing', value }, dueAt: undefined },
      [{ type: 'renew', leaseId: lease.id, incrementMs: value.leaseTtlMs }],
      now,
    );
  }
  if (due.action === 'poll' && state.pollMetadata) {
    return step({ ...state, phase: { name: 'polling', value }, dueAt: undefined }, [{ type: 'poll' }], now);
  }
  // A lease whose token was replaced is not worth renewing: it dies with that token.
  const reason = due.action === 'fetch' ? due.reason : due.action === 'poll' ? 'new-version' : 'relogin';
  return startFetch(state, reason, value, undefined, now);
}

function renewed(
  state: SecretMachineState,
  event: Extract<SecretEvent, { type: 'renewed' }>,
  now: number,
  random: () => number,
): SecretStep {
  const { phase } = state;
  if (phase.name !== 'renewing') return step(state, [], now);
  const before = phase.value;
  const lease = before.fetched.lease!;
  if (event.grantedMs <= 0) return startFetch(state, 'lease-lost', undefined, before, now);
  const value: HeldSecret = { ...before, endsAt: event.sentAt + event.grantedMs };
  const requestedTtlMs = before.leaseTtlMs;
  const actions: SecretAction[] = [
    { type: 'renewed', value, leaseId: lease.id, requestedTtlMs, ttlMs: event.grantedMs },
  ];
  // Vault answered: the next failure backs off from the minimum again.
  const next: SecretMachineState = { ...state, failures: 0 };
  const { config } = next;
  const l = leadFor(requestedTtlMs, config.drainMs);
  if (isCapped(requestedTtlMs, event.grantedMs)) {
    const delay = replaceDelay(event.grantedMs, requestedTtlMs, config.rotateBefore, l.leadMs);
    return step(
      {
        ...next,
        phase: { name: 'fresh', value, due: fetchFor('max-ttl') },
        dueAt: now + delay,
      },
      actions,
      now,
    );
  }
  const delay = renewDelay(event.grantedMs, config.renewAt, config.jitter, l.leadMs, random);
  return step({ ...next, phase: { name: 'fresh', value, due: RENEW }, dueAt: now + delay }, actions, now);
}

function renewFailed(
  state: SecretMachineState,
  event: Extract<SecretEvent, { type: 'renew-failed' }>,
  now: number,
  random: () => number,
): SecretStep {
  const { phase } = state;
  if (phase.name !== 'renewing') return step(state, [], now);
  // Vault no longer knows the lease: only a new secret helps, and the old one is not served.
  if (event.kind === 'gone') return startFetch(state, 'lease-lost', undefined, phase.value, now);
  if (event.kind === 'cannot-extend') return startFetch(state, 'max-ttl', phase.value, undefined, now);
  return failed(
    state,
    event.error,
    { keepTrying: true, delivered: false, phase: 'lease-renew', reason: 'max-ttl' },
    now,
    random,
  );
}

function polled(state: SecretMachineState, latest: unknown, now: number, random: () => number): SecretStep {
  const { phase } = state;
  if (phase.name !== 'polling') return step(state, [], now);
  const next = { ...state, failures: 0 };
  if (typeof latest === 'number' && latest !== phase.value.fetched.version)
    return startFetch(next, 'new-version', phase.value, undefined, now);
  return schedule(next, phase.value, false, [], now, random);
}

function pollFailed(
  state: SecretMachineState,
  event: Extract<SecretEvent, { type: 'poll-failed' }>,
  now: number,
  random: () => number,
): SecretStep {
  const { phase } = state;
  if (phase.name !== 'polling') return step(state, [], now);
  // Policies often grant `data/` but not `metadata/`: read the data itself from now on.
  if (event.kind === 'denied')
    return startFetch({ ...state, pollMetadata: false }, 'new-version', phase.value, undefined, now);
  return failed(
    state,
    event.error,
    {
      keepTrying: true,
      delivered: false,
      phase: 'read',
      reason: 'new-version',
      retry: fetchFor('new-version'),
    },
    now,
    random,
  );
}

/**
 * A login replaced the token. A lease dies with the token that created it: each leased value is
 * fetched again under the new one, and served meanwhile only while the old token lives. A fetch
 * already in flight may have gone out with the old token: it lands first, then the fetch is repeated.
 */
function tokenReplaced(state: SecretMachineState, tokenEndsAt: number | undefined, now: number): SecretStep {
  const { phase } = state;
  const end = tokenEndsAt ?? now;
  const moveOff = (value: HeldSecret): HeldSecret => ({
    ...value,
    tokenEndsAt: Math.min(value.tokenEndsAt ?? end, end),
  });
  switch (phase.name) {
    case 'fresh':
    case 'renewing':
    case 'polling': {
      if (!phase.value.fetched.lease) return step(state, [], now);
      const value = moveOff(phase.value);
      return startFetch({ ...state, awaitingRelogin: true }, 'relogin', value, value, now);
    }
    case 'replacing':
    case 'loading': {
      // With the old token dead, the fetch in flight cannot succeed under it: a 403 makes it log
      // in and retry under the new one, so what lands is good. With it alive, it may land on it.
      const refetch = tokenEndsAt === undefined ? undefined : { tokenEndsAt };
      const next: SecretMachineState = { ...state, refetch, awaitingRelogin: true };
      if (phase.name === 'loading' || !phase.value.fetched.lease) return step(next, [], now);
      return step({ ...next, phase: { ...phase, value: moveOff(phase.value) } }, [], now);
    }
    case 'dead':
      if (!phase.value?.fetched.lease) return step(state, [], now);
      return startFetch({ ...state, awaitingRelogin: true }, 'relogin', undefined, phase.value, now);
    default:
      return step(state, [], now);
  }
}
