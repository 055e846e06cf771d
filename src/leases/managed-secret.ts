import {
  asClientError,
  ClientClosedError,
  DrainTimeoutError,
  LeaseError,
  ListenerError,
  VaultBadRequestError,
  VaultDeadlineError,
  VaultPermissionDeniedError,
} from '../errors';
import type { EventHub } from '../events';
import type { Envelope } from '../http/vault-response';
import type { Monotonic } from '../internal/clock';
import { whatWasThrown } from '../internal/thrown';
import type { TimerSlot, Timers } from '../internal/timers';
import type { ResolvedOptions } from '../options';
import { checkSchema } from '../schema-check';
import type { ErrorPhase, RotationReason } from '../types/events';
import type { CallOptions } from '../types/requests';
import type { Secret, SecretChange, SecretListener } from '../types/secret';
import type { StandardSchemaV1 } from '../types/standard-schema';
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
} from '../upkeep/secret-machine';
import { createWaiters, type Waiters, waitFor } from '../upkeep/waiters';
import { snapshotOf, toSecret } from './secret';
import { deliver } from './secret-change';
import { endsAtOf, kvMetadataPath, shapeSecret } from './secret-shape';

/** What a managed secret needs from the client: Vault calls (with the token handled) and the shared plumbing. */
export interface SecretContext {
  options: ResolvedOptions;
  timers: Timers;
  events: EventHub;
  time: Monotonic;
  read(
    request: { path: string; method: 'GET' | 'POST'; body?: Record<string, unknown> },
    call?: CallOptions,
  ): Promise<Envelope>;
  renewLease(leaseId: string, incrementMs: number, call?: CallOptions): Promise<Envelope>;
  revokeLease(leaseId: string): Promise<void>;
  /** How far Vault's clock is ahead of the pod's, from Vault's `Date` header: corrects the instants Vault states. */
  skewMs(): number;
}

/** Background work has its own backoff; a transport retry on top would only multiply the load on a struggling Vault. */
const BACKGROUND_RETRIES = 0;

/**
 * A cached read reads no clock (a clock read costs several times a cache lookup): the servable
 * value is kept ready, and a timer takes it away this long before the value's end. A timer can
 * fire late by however long the event loop is busy, so for its last second every read checks the
 * clock instead, and nothing is ever served past its end.
 */
export const FAST_PATH_MARGIN_MS = 1_000;

interface Watcher {
  listener: SecretListener<unknown>;
  schema: StandardSchemaV1 | undefined;
}

/**
 * One secret the client keeps current: the shell around the secret machine
 * (src/upkeep/secret-machine.ts). It performs the machine's actions (fetch, renew, poll, announce,
 * report) and feeds their outcomes back; every decision (when, what, whether to serve) is the
 * machine's. Callers of one fetch each wait with their own signal and timeout.
 */
export class ManagedSecret {
  #state: SecretMachineState;
  #armedFor: number | undefined;
  /** The fetch in flight, which any number of callers wait on. */
  #fetch: Waiters<HeldSecret> | undefined;
  /** The fetch whose outcome is being dispatched: the one `deliver` settles. */
  #landing: Waiters<HeldSecret> | undefined;
  /** A caller asked for the fetch being started: it gets the client's retries, not the background's none. */
  #callerWants = false;
  /** Views of one value, made once per schema, so a cache hit allocates nothing. */
  #viewOf: HeldSecret | undefined;
  #view: Secret<unknown> | undefined;
  #views: Map<StandardSchemaV1, Secret<unknown>> | undefined;
  #watchers: Set<Watcher> | undefined;
  /** Settles once the fetch owed since a login lands (true) or fails (false), with its drain. */
  #relogin: Waiters<boolean> | undefined;
  #reloginDrain: Promise<void> | undefined;
  /** When the value fetched under a new token landed (monotonic): the handover the old token's revocation counts from. */
  reloginLandedAt: number | undefined;
  readonly #slot: TimerSlot;
  /** The schema-less view of the servable value, handed out with no clock read until `#fastEnd - margin`. */
  #fast: Secret<unknown> | undefined;
  /** When the fast path goes (a margin before the value's end); the one slot serves this and the machine. */
  #fastUntil: number | undefined;

  constructor(
    private readonly ctx: SecretContext,
    readonly key: string,
    readonly path: string,
    private readonly body: Record<string, unknown> | undefined,
    /** The namespace it is read in, when it differs from the client's. */
    readonly namespace: string | undefined,
  ) {
    this.#slot = ctx.timers.slot(() => this.#onTimer());
    this.#state = initialSecretState(configFor(ctx.options), path);
  }

  get watched(): boolean {
    return (this.#watchers?.size ?? 0) > 0;
  }

  /** The value if it may be used now: never one past its lease's end or its token's. */
  cached<T>(schema: StandardSchemaV1 | undefined): Secret<T> | undefined {
    const fast = this.#fast;
    if (fast !== undefined) return schema ? this.#viewFor<T>(this.#viewOf!, schema) : (fast as Secret<T>);
    const value = servable(this.#state, this.ctx.time.now());
    return value && this.#viewFor<T>(value, schema);
  }

  async load<T>(schema: StandardSchemaV1 | undefined, call?: CallOptions): Promise<Secret<T>> {
    const hit = this.cached<T>(schema);
    if (hit) return hit;
    this.#want(undefined);
    return this.#wait<T>(schema, call);
  }

  /** Fetches anew now (a new credential for a dynamic secret), whatever is cached. */
  async rotate<T>(schema: StandardSchemaV1 | undefined, call?: CallOptions): Promise<Secret<T>> {
    this.#want('manual');
    return this.#wait<T>(schema, call);
  }

  /**
   * A login replaced the token. Resolves once the value has been fetched under the new token
   * (true) or that failed (false; it is retried with backoff), after its listeners drained.
   */
  async tokenReplaced(previousEndsAt: number | undefined): Promise<boolean> {
    const relogin = createWaiters<boolean>();
    this.#relogin = relogin;
    this.#dispatch({ type: 'token-replaced', tokenEndsAt: previousEndsAt });
    if (!this.#state.awaitingRelogin) {
      this.#relogin = undefined;
      return true;
    }
    const ok = await relogin.promise;
    await this.#reloginDrain;
    return ok;
  }

  hasLease(): boolean {
    return this.#held()?.fetched.lease !== undefined;
  }

  leaseId(): string | undefined {
    return this.#held()?.fetched.lease?.id;
  }

  /** Registers a watcher; `ready` settles with the first value handed to it (or the first failure). */
  watch<T>(
    listener: SecretListener<T>,
    schema: StandardSchemaV1 | undefined,
  ): { stop: () => void; ready: Promise<Secret<T>> } {
    const watcher: Watcher = { listener: listener as SecretListener<unknown>, schema };
    this.#watchers ??= new Set();
    this.#watchers.add(watcher);
    const hit = this.cached<T>(schema);
    let ready: Promise<Secret<T>>;
    if (hit) {
      this.#call(watcher, hit, undefined);
      ready = Promise.resolve(hit);
    } else {
      this.#want(undefined, false);
      ready = this.#wait<T>(schema, undefined).then((view) => {
        if (this.#watchers?.has(watcher)) this.#call(watcher, view, undefined);
        return view;
      });
      // The failure is reported as an event; awaiting `ready` is optional, so it must not go unhandled.
      ready.catch(() => undefined);
    }
    return {
      stop: () => {
        this.#watchers?.delete(watcher);
      },
      ready,
    };
  }

  /** Ends the upkeep (evicted, invalidated, client closed): no timer left, no event after. */
  dispose(): void {
    this.#dispatch({ type: 'close' });
    this.#fastUntil = undefined;
    this.ctx.timers.disarm(this.#slot);
  }

  #held(): HeldSecret | undefined {
    const { phase } = this.#state;
    switch (phase.name) {
      case 'fresh':
      case 'renewing':
      case 'polling':
      case 'replacing':
        return phase.value;
      case 'loading':
        return phase.previous;
      case 'dead':
        return phase.value;
      default:
        return undefined;
    }
  }

  #want(force: RotationReason | undefined, caller = true): void {
    this.#callerWants = caller;
    try {
      this.#dispatch({ type: 'want', ...(force ? { force } : {}) });
    } finally {
      this.#callerWants = false;
    }
  }

  async #wait<T>(schema: StandardSchemaV1 | undefined, call: CallOptions | undefined): Promise<Secret<T>> {
    const fetch = this.#fetch;
    if (fetch) {
      // Each caller waits on its own terms: its signal, its timeoutMs, or else the call's deadline.
      const totalMs = this.ctx.options.timeouts.totalMs;
      const value = await waitFor(
        fetch,
        {
          signal: call?.signal,
          timeoutMs: call?.timeoutMs ?? totalMs,
          what: `the secret at ${this.path}`,
          ...(call?.timeoutMs === undefined
            ? {
                timedOut: () =>
                  new VaultDeadlineError(
                    `the secret at ${this.path} did not arrive within the call's deadline of ${totalMs} ms (timeouts.totalMs)`,
                    totalMs,
                  ),
              }
            : {}),
        },
        this.ctx.options.clock,
      );
      return this.#viewFor<T>(value, schema);
    }
    const hit = this.cached<T>(schema);
    if (hit) return hit;
    const { phase } = this.#state;
    if (phase.name === 'dead') throw phase.error;
    throw new ClientClosedError();
  }

  #dispatch(event: SecretEvent): void {
    // The machine's delayMs is its dueAt less now: the slot is armed for the due instant itself,
    // together with the fast path's end (see #rearm).
    const { next, actions } = secretStep(this.#state, event, this.ctx.time.now(), Math.random);
    this.#state = next;
    const rearm = next.dueAt !== this.#armedFor;
    this.#armedFor = next.dueAt;
    for (const action of actions) this.#perform(action);
    if (this.#refreshFast() || rearm) this.#rearm();
  }

  /** One slot for the machine's timer and the fast path's end: armed for whichever comes first. */
  #rearm(): void {
    const machine = this.#armedFor;
    const fast = this.#fastUntil;
    const due = machine === undefined ? fast : fast === undefined ? machine : Math.min(machine, fast);
    if (due === undefined) this.ctx.timers.disarm(this.#slot);
    else this.ctx.timers.arm(this.#slot, due - this.ctx.timers.now());
  }

  #onTimer(): void {
    // The slot's own clock: the time its wait proved to have passed, whatever the clock says.
    const now = this.ctx.timers.now();
    if (this.#fastUntil !== undefined && now >= this.#fastUntil) {
      this.#fast = undefined;
      this.#fastUntil = undefined;
    }
    if (this.#armedFor !== undefined && now >= this.#armedFor) this.#dispatch({ type: 'timer' });
    else this.#rearm();
  }

  /**
   * Keeps the fast path in step with the machine: the servable value, until a margin before its
   * end. Returns whether the time the fast path ends moved (the slot then needs arming again).
   */
  #refreshFast(): boolean {
    const now = this.ctx.time.now();
    const value = servable(this.#state, now);
    const end = value && endOf(value);
    const before = this.#fastUntil;
    if (!value || (end !== undefined && end - now <= FAST_PATH_MARGIN_MS)) {
      this.#fast = undefined;
      this.#fastUntil = undefined;
      return before !== undefined;
    }
    try {
      this.#fast = this.#viewFor(value, undefined);
    } catch {
      this.#fast = undefined;
    }
    this.#fastUntil = this.#fast === undefined || end === undefined ? undefined : end - FAST_PATH_MARGIN_MS;
    return this.#fastUntil !== before;
  }

  #perform(action: SecretAction): void {
    switch (action.type) {
      case 'fetch':
        this.#startFetch();
        return;
      case 'renew':
        void this.#renew(action.leaseId, action.incrementMs);
        return;
      case 'poll':
        void this.#poll();
        return;
      case 'deliver':
        this.#landing?.resolve(action.value);
        return;
      case 'deliver-error':
        this.#landing?.reject(action.error);
        return;
      case 'changed':
        this.#announce(action.previous, action.current, action.reason, action.revokePrevious);
        return;
      case 'renewed':
        this.ctx.events.emit('lease:renewed', {
          path: this.path,
          ...this.#ns(),
          leaseId: action.leaseId,
          requestedTtlMs: action.requestedTtlMs,
          ttlMs: action.ttlMs,
          at: this.ctx.options.clock.now(),
        });
        return;
      case 'report':
        this.#report(action.error, action.phase, action.delivered);
        return;
      case 'expired':
        this.#expired(action.value);
        return;
      case 'relogin-settled':
        if (action.ok) this.reloginLandedAt = this.ctx.time.now();
        this.#relogin?.resolve(action.ok);
        this.#relogin = undefined;
        return;
      case 'lead-scaled':
        this.ctx.options.logger.warn(
          { path: this.path, ttlMs: action.ttlMs, leadMs: Math.round(action.leadMs) },
          `the TTL of ${this.path} (${Math.round(action.ttlMs / 1000)} s) is too short to hand over its replacement secrets.drainMs (${this.ctx.options.secrets.drainMs} ms) before it ends: it comes ${Math.round(action.leadMs)} ms before, so the old credentials may end before a drain completes`,
        );
        return;
    }
  }

  #startFetch(): void {
    const waiters = createWaiters<HeldSecret>();
    this.#fetch = waiters;
    const call: CallOptions = {
      ...(this.namespace !== undefined ? { namespace: this.namespace } : {}),
      ...(this.#callerWants ? {} : { maxRetries: BACKGROUND_RETRIES }),
    };
    void this.#fetchInto(waiters, call);
  }

  /** One fetch, under the client's lifetime and defaults: its outcome goes to the machine, then to the waiters. */
  async #fetchInto(waiters: Waiters<HeldSecret>, call: CallOptions): Promise<void> {
    const { time, options } = this.ctx;
    // A lease's time runs from when Vault granted it, which is no later than when we asked:
    // counting from the answer would stretch it by however long the answer took.
    const sentAt = time.now();
    const fetchedAt = options.clock.now();
    let event: SecretEvent;
    let arrived: HeldSecret | undefined;
    try {
      const envelope = await this.ctx.read(
        { path: this.path, method: this.body ? 'POST' : 'GET', ...(this.body ? { body: this.body } : {}) },
        call,
      );
      const fetched = shapeSecret(this.path, envelope, fetchedAt);
      // Vault states a certificate's end on its own clock: the measured skew puts it on ours.
      const skew = this.ctx.skewMs();
      arrived = {
        fetched,
        fetchedAt: sentAt,
        endsAt: endsAtOf(fetched, sentAt, (vaultMs) => time.fromWall(vaultMs - skew)),
        leaseTtlMs: fetched.lease?.ttlMs ?? 0,
        tokenEndsAt: undefined,
      };
      event = { type: 'fetched', value: arrived };
    } catch (error) {
      event = {
        type: 'fetch-failed',
        error,
        keepTrying: this.watched,
        delivered: waiters.waiting() > 0,
      };
    }
    if (this.#fetch === waiters) this.#fetch = undefined;
    this.#landing = waiters;
    try {
      this.#dispatch(event);
    } finally {
      this.#landing = undefined;
    }
    // Disposed meanwhile (invalidated, evicted): the callers still get what they asked for.
    if (this.#state.phase.name === 'closed') {
      if (arrived) waiters.resolve(arrived);
      else waiters.reject(event.type === 'fetch-failed' ? event.error : new ClientClosedError());
    }
  }

  async #renew(leaseId: string, incrementMs: number): Promise<void> {
    const sentAt = this.ctx.time.now();
    let event: SecretEvent;
    try {
      const envelope = await this.ctx.renewLease(leaseId, incrementMs, {
        maxRetries: BACKGROUND_RETRIES,
        ...this.#ns(),
      });
      event = { type: 'renewed', grantedMs: (envelope.lease_duration ?? 0) * 1000, sentAt };
    } catch (error) {
      let kind: 'gone' | 'cannot-extend' | 'transient' = 'transient';
      if (error instanceof VaultBadRequestError)
        kind = error.reasons.some((r) => /not renewable|max TTL/i.test(r)) ? 'cannot-extend' : 'gone';
      event = { type: 'renew-failed', kind, error };
    }
    this.#dispatch(event);
  }

  /** KV v2: a version number is cheap to check; the data is read only when it moved. */
  async #poll(): Promise<void> {
    const metadataPath = kvMetadataPath(this.path);
    let event: SecretEvent;
    if (!metadataPath) {
      event = { type: 'poll-failed', kind: 'denied', error: undefined };
    } else {
      try {
        const envelope = await this.ctx.read(
          { path: metadataPath, method: 'GET' },
          { maxRetries: BACKGROUND_RETRIES, ...this.#ns() },
        );
        const latest = (envelope.data as { current_version?: unknown } | null | undefined)?.current_version;
        event = { type: 'polled', latest };
      } catch (error) {
        const denied =
          error instanceof VaultPermissionDeniedError && error.code === 'ERR_VAULT_PERMISSION_DENIED';
        event = { type: 'poll-failed', kind: denied ? 'denied' : 'transient', error };
      }
    }
    this.#dispatch(event);
  }

  #announce(
    previous: HeldSecret | undefined,
    current: HeldSecret,
    reason: RotationReason,
    revokePrevious: boolean,
  ): void {
    if (!previous) return;
    const { clock, secrets } = this.ctx.options;
    this.ctx.events.emit('secret:rotated', {
      path: this.path,
      ...this.#ns(),
      reason,
      previous: snapshotOf(previous.fetched, this.#wallEnd(previous)),
      current: snapshotOf(current.fetched, this.#wallEnd(current)),
      at: clock.now(),
    });
    const pending: Promise<unknown>[] = [];
    for (const watcher of this.#watchers ?? []) {
      const prior = this.#safeView(previous, watcher.schema);
      const next = this.#safeView(current, watcher.schema);
      if (!next) continue;
      const change: SecretChange<unknown> | undefined = prior ? { previous: prior, reason } : undefined;
      const result = this.#call(watcher, next, change);
      if (result) pending.push(result);
    }
    const oldLease = previous.fetched.lease?.id;
    const drained = this.#drain(pending, oldLease);
    if (reason === 'relogin') this.#reloginDrain = drained;
    // The old credentials stay valid until the listeners drained (bounded by drainMs), and at
    // least the grace period, so work in flight can finish with them.
    if (!oldLease || !revokePrevious) return;
    const revoke = () => this.ctx.revokeLease(oldLease);
    if (pending.length === 0) {
      this.ctx.timers.schedule(`revoke:${oldLease}`, secrets.graceMs, revoke);
      return;
    }
    let graceOver = false;
    let drainOver = false;
    const maybeRevoke = () => {
      if (graceOver && drainOver) {
        this.ctx.timers.cancel(`revoke:${oldLease}`);
        void revoke();
      }
    };
    this.ctx.timers.schedule(`revoke:${oldLease}`, secrets.graceMs, () => {
      graceOver = true;
      maybeRevoke();
    });
    void drained.then(() => {
      drainOver = true;
      maybeRevoke();
    });
  }

  /**
   * Settles when every listener promise of a change settled, or `drainMs` passed (then reported
   * as ERR_DRAIN_TIMEOUT, naming the path and how many still held on). Never rejects.
   */
  #drain(pending: Promise<unknown>[], leaseId: string | undefined): Promise<void> {
    if (pending.length === 0) return Promise.resolve();
    const { timers, options } = this.ctx;
    let open = pending.length;
    const name = `drain:${leaseId ?? this.key}:${options.clock.now()}`;
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        timers.cancel(name);
        resolve();
      };
      for (const p of pending)
        void p.then(
          () => {
            open -= 1;
            if (open === 0) finish();
          },
          () => {
            open -= 1;
            if (open === 0) finish();
          },
        );
      timers.schedule(name, options.secrets.drainMs, () => {
        if (done) return;
        this.#report(
          new DrainTimeoutError(
            `${open} watch listener${open === 1 ? '' : 's'} for ${this.path} had not finished with the old credentials after secrets.drainMs (${options.secrets.drainMs} ms); revoking them anyway`,
            { path: this.path, pendingListeners: open },
          ),
          'drain',
          false,
        );
        finish();
      });
      // A closed client has no timers left: the drain is over then too.
      if (timers.closed) finish();
    });
  }

  #expired(value: HeldSecret): void {
    const leaseId = value.fetched.lease?.id;
    if (leaseId)
      this.ctx.events.emit('lease:expired', {
        path: this.path,
        ...this.#ns(),
        leaseId,
        at: this.ctx.options.clock.now(),
      });
    this.#report(
      new LeaseError(
        'ERR_LEASE_EXPIRED',
        `the secret at ${this.path} expired before a replacement could be fetched; it will be fetched as soon as Vault answers`,
        { path: this.path, ...(leaseId ? { leaseId } : {}) },
      ),
      'rotate',
      false,
    );
  }

  #wallEnd(value: HeldSecret): number | undefined {
    const end = endOf(value);
    return end === undefined ? undefined : this.ctx.time.toWall(end);
  }

  /** The value as the app sees it, through a schema; made once per value and schema. */
  #viewFor<T>(value: HeldSecret, schema: StandardSchemaV1 | undefined): Secret<T> {
    if (this.#viewOf !== value) {
      this.#viewOf = value;
      this.#view = undefined;
      this.#views = undefined;
    }
    if (!schema) {
      this.#view ??= toSecret(this.path, value.fetched, value.fetched.data, this.#wallEnd(value));
      return this.#view as Secret<T>;
    }
    const cached = this.#views?.get(schema);
    if (cached) return cached as Secret<T>;
    const view = toSecret(
      this.path,
      value.fetched,
      checkSchema(this.path, value.fetched.data, schema),
      this.#wallEnd(value),
    );
    this.#views ??= new Map();
    this.#views.set(schema, view);
    return view as Secret<T>;
  }

  /** A view for a watcher; data its schema rejects is reported, and that watcher skips the value. */
  #safeView(value: HeldSecret, schema: StandardSchemaV1 | undefined): Secret<unknown> | undefined {
    try {
      return this.#viewFor(value, schema);
    } catch (error) {
      this.#report(error, 'rotate', false);
    }
    return undefined;
  }

  #call(
    watcher: Watcher,
    secret: Secret<unknown>,
    change: SecretChange<unknown> | undefined,
  ): Promise<unknown> | undefined {
    return deliver(watcher.listener, secret, change, (cause) =>
      this.#report(
        new ListenerError(
          `a watch listener for ${this.path} threw ${whatWasThrown(cause)}; the thrown value is this error's cause`,
          cause,
        ),
        'listener',
        false,
      ),
    );
  }

  #ns(): { namespace?: string } {
    return this.namespace !== undefined ? { namespace: this.namespace } : {};
  }

  #report(error: unknown, phase: ErrorPhase, delivered: boolean): void {
    const at = this.ctx.options.clock.now();
    this.ctx.events.emit(
      'error',
      { error: asClientError(error), phase, path: this.path, ...this.#ns(), at },
      { delivered },
    );
  }

  /** For tests of the shell: whether a fetch is in flight. */
  get fetching(): boolean {
    return fetching(this.#state);
  }
}

/** The machine's timing options, one object per client (a cached secret holds a reference, not a copy). */
const configs = new WeakMap<ResolvedOptions, SecretConfig>();
function configFor(options: ResolvedOptions): SecretConfig {
  let config = configs.get(options);
  if (!config) {
    const { secrets } = options;
    config = Object.freeze({
      renewAt: secrets.renewAt,
      jitter: secrets.jitter,
      rotateBefore: secrets.rotateBefore,
      pollIntervalMs: secrets.pollIntervalMs,
      certificateRenewAt: secrets.certificateRenewAt,
      backoff: secrets.backoff,
      drainMs: secrets.drainMs,
    });
    configs.set(options, config);
  }
  return config;
}
