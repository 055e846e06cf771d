import {
  asClientError,
  ClientClosedError,
  VaultBadRequestError,
  VaultDeadlineError,
  VaultInvalidTokenError,
} from '../errors';
import type { EventHub } from '../events';
import type { Deadline } from '../http/deadline';
import type { Transport } from '../http/transport';
import { parseEnvelope, requireAuth } from '../http/vault-response';
import type { Monotonic } from '../internal/clock';
import type { Redactor } from '../internal/redact';
import type { TimerSlot, Timers } from '../internal/timers';
import type { ResolvedOptions } from '../options';
import type { TokenInfo } from '../types/auth';
import type { LoginReason } from '../types/events';
import type { CallOptions } from '../types/requests';
import {
  currentToken,
  type HeldToken,
  initialTokenState,
  type TokenAction,
  type TokenEvent,
  type TokenMachineState,
  tokenStep,
  usableToken,
} from '../upkeep/token-machine';
import { createWaiters, type Waiters, waitFor } from '../upkeep/waiters';
import { canObtainAgain, createsToken, obtainToken } from './obtain-token';
import type { TokenState } from './token-state';

export type { TokenState } from './token-state';

/** A login replaced the token: what managed secrets need to move their leases onto the new one. */
export interface NewToken {
  current: TokenState;
  previous: TokenState | undefined;
  /** The previous token's end (monotonic) when it lives on (replaced before its max TTL); undefined if it died. */
  previousEndsAt: number | undefined;
  reason: LoginReason;
}

export type NewTokenListener = (change: NewToken) => void;

/**
 * The shell around the token machine (src/upkeep/token-machine.ts): it performs the machine's
 * actions (logins, renewals, events) and feeds their outcomes back as events. Every decision
 * (when to renew, when to log in again, how long to back off) is the machine's.
 */
export class TokenManager {
  #state: TokenMachineState;
  /** The login in flight, which any number of callers wait on. */
  #login: Waiters<HeldToken> | undefined;
  #armedFor: number | undefined;
  readonly #slot: TimerSlot;
  #generation = 0;
  readonly #listeners: NewTokenListener[] = [];
  /** Replaced tokens still alive, waiting to be revoked once nothing uses their leases. */
  readonly #retiring = new Map<string, TokenState>();
  /** A new token can be had (a login, a token file read again): what Vault rejecting one can be met with. */
  readonly #canLogin: boolean;
  /** The client created its tokens (logins): they are its to announce, retire and revoke. */
  readonly #creates: boolean;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly transport: Transport,
    private readonly timers: Timers,
    private readonly events: EventHub,
    private readonly redactor: Redactor,
    private readonly time: Monotonic,
  ) {
    this.#slot = timers.slot(() => this.#dispatch({ type: 'timer' }));
    this.#canLogin = canObtainAgain(options.auth);
    this.#creates = createsToken(options.auth);
    this.#state = initialTokenState({
      renewAt: options.token.renewAt,
      jitter: options.token.jitter,
      loginBackoff: options.token.loginBackoff,
      canLogin: this.#canLogin,
      drainMs: options.secrets.drainMs,
    });
  }

  /** A valid token, logging in first if there is none. */
  async token(call?: CallOptions, deadline?: Deadline): Promise<string> {
    return (await this.#acquire(call, deadline)).state.token;
  }

  /**
   * Runs a call with the token; when Vault says `invalid token`, logs in again and retries the call
   * once. `deadline` (the call's, from its entry) bounds the waits for a login as well.
   */
  async run<T>(fn: (token: string) => Promise<T>, call?: CallOptions, deadline?: Deadline): Promise<T> {
    const held = await this.#acquire(call, deadline);
    try {
      return this.#worked(held, await fn(held.state.token));
    } catch (error) {
      if (!(error instanceof VaultInvalidTokenError) || !this.#canLogin) throw error;
      this.#dispatch({ type: 'rejected', generation: held.state.generation, error });
      const fresh = await this.#acquire(call, deadline);
      if (fresh.state.token === held.state.token) throw error;
      try {
        return this.#worked(fresh, await fn(fresh.state.token));
      } catch (again) {
        if (again instanceof VaultInvalidTokenError)
          this.#dispatch({ type: 'rejected', generation: fresh.state.generation, error: again });
        throw again;
      }
    }
  }

  async start(call?: CallOptions, deadline?: Deadline): Promise<void> {
    await this.#acquire(call, deadline);
  }

  info(): TokenInfo | undefined {
    const held = currentToken(this.#state.phase);
    if (!held) return undefined;
    const s = held.state;
    return {
      method: this.options.auth.method,
      accessor: s.accessor,
      policies: s.policies,
      renewable: s.renewable,
      ttlMs: held.endsAt === undefined ? undefined : Math.max(0, held.endsAt - this.time.now()),
      expiresAt: s.expiresAt,
    };
  }

  /** Internal hook: called after every login that replaced a token (managed secrets re-fetch on it). */
  onNewToken(listener: NewTokenListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Revokes a replaced token after `afterMs`, which also revokes every lease it created. Called
   * once the managed secrets run on the new token, so the old credentials can go.
   */
  retire(state: TokenState, afterMs: number): void {
    if (!this.#creates || state.token === currentToken(this.#state.phase)?.state.token) return;
    this.#retiring.set(state.accessor, state);
    this.timers.schedule(`token:retire:${state.accessor}`, afterMs, () =>
      this.#revoke(state, this.transport),
    );
  }

  /** Stops the upkeep: timers off, the machine closed; calls waiting on a login fail with ClientClosedError. */
  stop(): void {
    this.#dispatch({ type: 'close' });
    this.timers.disarm(this.#slot);
    this.timers.cancelMatching('token:');
  }

  /** The token held now, usable or not. */
  held(): TokenState | undefined {
    return currentToken(this.#state.phase)?.state;
  }

  /** The tokens this client logged in for and may revoke (never a static one): the current and the replaced. */
  revocable(): TokenState[] {
    if (!this.#creates) return [];
    const current = currentToken(this.#state.phase)?.state;
    return [...this.#retiring.values(), ...(current ? [current] : [])];
  }

  /** Revokes the given tokens (and with them their leases) through `via`; failures are reported, never thrown. */
  async revoke(tokens: readonly TokenState[], via: Transport): Promise<void> {
    await Promise.all(tokens.map((state) => this.#revoke(state, via)));
  }

  /** A call worked with this token: the first time, that proves the login good (its backoff resets). */
  #worked<T>(held: HeldToken, result: T): T {
    if (!this.#state.proven) this.#dispatch({ type: 'worked', generation: held.state.generation });
    return result;
  }

  async #acquire(call: CallOptions | undefined, deadline?: Deadline): Promise<HeldToken> {
    const usable = usableToken(this.#state, this.time.now());
    if (usable) return usable;
    this.#dispatch({ type: 'need' });
    const login = this.#login;
    // A login is waited for with the caller's signal and within the caller's deadline; its
    // per-attempt timeoutMs is for the caller's own request.
    if (login) {
      const timeoutMs = deadline ? Math.max(0, deadline.remainingMs()) : undefined;
      return waitFor(
        login,
        {
          signal: call?.signal,
          timeoutMs,
          timedOut: () =>
            new VaultDeadlineError(
              `the call did not finish within its deadline of ${deadline?.totalMs} ms (timeouts.totalMs): it was still waiting for a login`,
              deadline?.totalMs ?? 0,
            ),
        },
        this.options.clock,
      );
    }
    const { phase } = this.#state;
    if (phase.name === 'closed') throw new ClientClosedError();
    if (phase.name === 'backing-off') throw phase.error;
    const now = usableToken(this.#state, this.time.now());
    if (now) return now;
    throw new ClientClosedError();
  }

  #dispatch(event: TokenEvent): void {
    const { next, actions, delayMs } = tokenStep(this.#state, event, this.time.now(), Math.random);
    this.#state = next;
    if (next.dueAt !== this.#armedFor) {
      this.#armedFor = next.dueAt;
      if (delayMs === undefined) this.timers.disarm(this.#slot);
      else this.timers.arm(this.#slot, delayMs);
    }
    for (const action of actions) this.#perform(action);
  }

  #perform(action: TokenAction): void {
    switch (action.type) {
      case 'login':
        this.#startLogin();
        return;
      case 'renew':
        void this.#renew(action.token, action.incrementMs);
        return;
      case 'logged-in':
        this.#loggedIn(action);
        return;
      case 'renewed':
        this.events.emit('auth:renewed', {
          accessor: action.token.state.accessor,
          requestedTtlMs: action.requestedTtlMs,
          ttlMs: action.token.state.ttlMs,
          capped: action.capped,
          at: this.options.clock.now(),
        });
        return;
      case 'report':
        this.#report(action.error, action.phase, action);
        return;
      case 'lead-scaled':
        this.options.logger.warn(
          { ttlMs: action.ttlMs, leadMs: Math.round(action.leadMs), drainMs: this.options.secrets.drainMs },
          `the token's TTL (${Math.round(action.ttlMs / 1000)} s) is too short to log in again secrets.drainMs (${this.options.secrets.drainMs} ms) before it ends: the new token comes ${Math.round(action.leadMs)} ms before, so old credentials may end before a drain completes`,
        );
        return;
    }
  }

  #startLogin(): void {
    const login: Waiters<HeldToken> = createWaiters();
    this.#login = login;
    const generation = ++this.#generation;
    // The token's time runs from when Vault issued it, no later than when we asked.
    const sentAt = this.time.now();
    // The login runs under the client's lifetime and defaults, never a caller's signal: each
    // caller waits on it with its own (see waitFor).
    obtainToken(this.options, this.transport, this.redactor, generation).then(
      (token) => {
        if (this.#login === login) this.#login = undefined;
        this.#dispatch({ type: 'login-ok', token, sentAt });
        const held = currentToken(this.#state.phase);
        if (held?.state === token) login.resolve(held);
        else login.reject(new ClientClosedError());
      },
      (error: unknown) => {
        if (this.#login === login) this.#login = undefined;
        this.#dispatch({ type: 'login-failed', error, delivered: login.waiting() > 0 });
        login.reject(this.#state.phase.name === 'closed' ? new ClientClosedError() : error);
      },
    );
  }

  #loggedIn(action: Extract<TokenAction, { type: 'logged-in' }>): void {
    const { token, previous, previousAlive, reason } = action;
    // A token replaced while alive (max TTL) keeps its leases until it ends: close({ revoke })
    // must reach it even if the managed secrets never all moved off it.
    if (previous && previousAlive && this.#creates) this.#keepForRevocation(previous.state);
    if (this.#creates) {
      this.events.emit('auth:login', {
        reason,
        accessor: token.state.accessor,
        policies: token.state.policies,
        ttlMs: token.state.ttlMs,
        renewable: token.state.renewable,
        failedAttempts: action.failedAttempts,
        at: this.options.clock.now(),
      });
    }
    const change: NewToken = {
      current: token.state,
      previous: previous?.state,
      previousEndsAt: previous && previousAlive ? previous.endsAt : undefined,
      reason,
    };
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#report(error, 'login', { delivered: false });
      }
    }
  }

  async #renew(token: TokenState, incrementMs: number): Promise<void> {
    const sentAt = this.time.now();
    let event: TokenEvent;
    try {
      const res = await this.transport.send({
        method: 'POST',
        path: 'auth/token/renew-self',
        body: { increment: `${Math.round(incrementMs / 1000)}s` },
        token: token.token,
        kind: 'idempotent-write',
        // The machine backs off on its own; transport retries on top would multiply the load.
        call: { maxRetries: 0 },
      });
      const where = { path: 'auth/token/renew-self', status: res.status };
      const auth = requireAuth(parseEnvelope(res.body, where), where);
      const grantedMs = auth.lease_duration * 1000;
      event = {
        type: 'renew-ok',
        generation: token.generation,
        grantedMs,
        renewable: auth.renewable,
        sentAt,
        expiresAt: this.time.toWall(sentAt + grantedMs),
      };
    } catch (error) {
      const kind =
        error instanceof VaultInvalidTokenError
          ? 'invalid-token'
          : error instanceof VaultBadRequestError
            ? 'cannot-extend'
            : 'transient';
      event = { type: 'renew-failed', generation: token.generation, kind, error };
    }
    this.#dispatch(event);
  }

  #keepForRevocation(state: TokenState): void {
    const now = this.options.clock.now();
    for (const [accessor, old] of this.#retiring)
      if (old.expiresAt !== undefined && old.expiresAt <= now) this.#retiring.delete(accessor);
    this.#retiring.set(state.accessor, state);
  }

  async #revoke(state: TokenState, via: Transport): Promise<void> {
    this.#retiring.delete(state.accessor);
    if (state.expiresAt !== undefined && state.expiresAt <= this.options.clock.now()) return;
    try {
      await via.send({
        method: 'POST',
        path: 'auth/token/revoke-self',
        token: state.token,
        kind: 'idempotent-write',
        call: { timeoutMs: 5_000, maxRetries: 1 },
      });
    } catch (error) {
      if (!(error instanceof VaultInvalidTokenError) && !(error instanceof ClientClosedError))
        this.#report(error, 'revoke', { delivered: false });
    }
  }

  #report(
    error: unknown,
    phase: 'login' | 'renew' | 'revoke',
    extra: { attempt?: number; nextAttemptInMs?: number; delivered: boolean },
  ): void {
    const wrapped = asClientError(error, (text) => this.redactor.text(text));
    this.events.emit(
      'error',
      {
        error: wrapped,
        phase,
        ...(extra.attempt !== undefined ? { attempt: extra.attempt } : {}),
        ...(extra.nextAttemptInMs !== undefined ? { nextAttemptInMs: extra.nextAttemptInMs } : {}),
        at: this.options.clock.now(),
      },
      { delivered: extra.delivered },
    );
  }
}
