import { asClientError, ClientClosedError, VaultBadRequestError, VaultInvalidTokenError } from '../errors';
import type { EventHub } from '../events';
import type { Transport } from '../http/transport';
import { parseEnvelope, requireAuth } from '../http/vault-response';
import { backoffDelay } from '../internal/backoff';
import type { Redactor } from '../internal/redact';
import type { Timers } from '../internal/timers';
import type { ResolvedOptions } from '../options';
import type { TokenInfo } from '../types/auth';
import type { LoginReason } from '../types/events';
import type { CallOptions } from '../types/requests';
import { canObtainAgain, createsToken, obtainToken } from './obtain-token';
import type { TokenState } from './token-state';

export type NewTokenListener = (
  current: TokenState,
  previous: TokenState | undefined,
  reason: LoginReason,
) => void;

/**
 * Keeps one valid Vault token: logs in (one login at a time, whoever asks), renews at about two
 * thirds of the TTL with jitter, logs in again when renewal cannot extend the token or the token
 * died, and backs off while logins fail. Every timer lives in the client's Timers.
 */
export class TokenManager {
  #state: TokenState | undefined;
  #retired: TokenState | undefined;
  #generation = 0;
  #login: Promise<TokenState> | undefined;
  #failures = 0;
  #renewFailures = 0;
  #lastError: unknown;
  #retryAt = 0;
  #closed = false;
  readonly #listeners: NewTokenListener[] = [];
  /** Replaced tokens still alive, waiting to be revoked once nothing uses their leases. */
  readonly #retiring = new Map<string, TokenState>();

  constructor(
    private readonly options: ResolvedOptions,
    private readonly transport: Transport,
    private readonly timers: Timers,
    private readonly events: EventHub,
    private readonly redactor: Redactor,
  ) {}

  /** A valid token, logging in first if there is none. */
  async token(call?: CallOptions): Promise<string> {
    const state = this.#state;
    if (state && this.#usable(state)) return state.token;
    return (await this.#ensure(state || this.#retired ? 'expired' : 'initial', call)).token;
  }

  /** Runs a call with the token; when Vault says `invalid token`, logs in again and retries the call once. */
  async run<T>(fn: (token: string) => Promise<T>, call?: CallOptions): Promise<T> {
    const token = await this.token(call);
    try {
      return await fn(token);
    } catch (error) {
      if (!(error instanceof VaultInvalidTokenError) || !canObtainAgain(this.options.auth)) throw error;
      let fresh: string;
      if (this.#state?.token === token) {
        this.#invalidate();
        fresh = (await this.#ensure('invalid-token', call)).token;
      } else {
        fresh = await this.token(call);
      }
      if (fresh === token) throw error;
      return await fn(fresh);
    }
  }

  async start(call?: CallOptions): Promise<void> {
    await this.token(call);
  }

  info(): TokenInfo | undefined {
    const s = this.#state;
    if (!s) return undefined;
    const now = this.options.clock.now();
    return {
      method: this.options.auth.method,
      accessor: s.accessor,
      policies: s.policies,
      renewable: s.renewable,
      ttlMs: s.expiresAt === undefined ? undefined : Math.max(0, s.expiresAt - now),
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
    if (!createsToken(this.options.auth) || state.token === this.#state?.token) return;
    this.#retiring.set(state.accessor, state);
    this.timers.schedule(`token:retire:${state.accessor}`, afterMs, () => this.#revoke(state));
  }

  /** Stops renewing; with `revoke`, revokes the tokens this client logged in for (never a static one). */
  async close(revoke: boolean): Promise<void> {
    this.#closed = true;
    this.timers.cancelMatching('token:');
    if (!revoke || !createsToken(this.options.auth)) return;
    const tokens = [...this.#retiring.values(), ...(this.#state ? [this.#state] : [])];
    await Promise.all(tokens.map((state) => this.#revoke(state)));
  }

  #keepForRevocation(state: TokenState): void {
    const now = this.options.clock.now();
    for (const [accessor, old] of this.#retiring)
      if (old.expiresAt !== undefined && old.expiresAt <= now) this.#retiring.delete(accessor);
    this.#retiring.set(state.accessor, state);
  }

  async #revoke(state: TokenState): Promise<void> {
    this.#retiring.delete(state.accessor);
    if (state.expiresAt !== undefined && state.expiresAt <= this.options.clock.now()) return;
    try {
      await this.transport.send({
        method: 'POST',
        path: 'auth/token/revoke-self',
        token: state.token,
        kind: 'idempotent-write',
        call: { timeoutMs: 5_000 },
      });
    } catch (error) {
      if (!(error instanceof VaultInvalidTokenError)) this.#report(error, 'revoke');
    }
  }

  #usable(state: TokenState): boolean {
    if (state.expiresAt === undefined) return true;
    // A token in its last second (or tenth of its life) would die in flight.
    const margin = Math.min(5_000, state.ttlMs * 0.1);
    return this.options.clock.now() < state.expiresAt - margin;
  }

  #invalidate(): void {
    if (this.#state) this.#retired = this.#state;
    this.#state = undefined;
    this.timers.cancel('token:renew');
  }

  async #ensure(reason: LoginReason, call?: CallOptions): Promise<TokenState> {
    if (this.#closed) throw new ClientClosedError();
    if (!this.#login) {
      if (this.#lastError !== undefined && this.options.clock.now() < this.#retryAt) throw this.#lastError;
      this.#login = this.#attempt(reason).finally(() => {
        this.#login = undefined;
      });
    }
    return waitWithSignal(this.#login, call?.signal);
  }

  async #attempt(reason: LoginReason): Promise<TokenState> {
    const generation = ++this.#generation;
    const { clock } = this.options;
    let state: TokenState;
    try {
      state = await obtainToken(this.options, this.transport, this.redactor, generation);
    } catch (error) {
      if (this.#closed) throw error;
      this.#failures += 1;
      this.#lastError = error;
      const delay = backoffDelay(this.#failures - 1, { ...this.options.token.loginBackoff, jitter: 0.25 });
      this.#retryAt = clock.now() + delay;
      this.#report(error, 'login', { attempt: this.#failures, nextAttemptInMs: delay });
      if (canObtainAgain(this.options.auth)) {
        this.timers.schedule('token:login', delay, () => this.#ensure(reason).catch(() => undefined));
      }
      throw error;
    }
    if (this.#closed) throw new ClientClosedError();
    const previous = this.#state ?? this.#retired;
    // A token replaced while alive (max TTL) keeps its leases until it ends: close({ revoke })
    // must reach it even if the managed secrets never all moved off it.
    if (this.#state && createsToken(this.options.auth)) this.#keepForRevocation(this.#state);
    const failedAttempts = this.#failures;
    this.#state = state;
    this.#retired = undefined;
    this.#failures = 0;
    this.#renewFailures = 0;
    this.#lastError = undefined;
    this.timers.cancel('token:login');
    this.#scheduleRenewal(state);
    if (createsToken(this.options.auth)) {
      this.events.emit('auth:login', {
        reason,
        accessor: state.accessor,
        policies: state.policies,
        ttlMs: state.ttlMs,
        renewable: state.renewable,
        failedAttempts,
        at: clock.now(),
      });
    }
    for (const listener of this.#listeners) {
      try {
        listener(state, previous, reason);
      } catch (error) {
        this.#report(error, 'login');
      }
    }
    return state;
  }

  #scheduleRenewal(
    state: TokenState,
    ttlMs = state.ttlMs,
    action: 'renew' | 'relogin' = state.renewable ? 'renew' : 'relogin',
  ): void {
    if (state.expiresAt === undefined || ttlMs <= 0) return;
    const { renewAt, jitter } = this.options.token;
    // Spread the fleet: each pod renews somewhere around two thirds of the TTL.
    const delay = ttlMs * renewAt * (1 + jitter * (2 * Math.random() - 1));
    if (action === 'renew') {
      this.timers.schedule('token:renew', delay, () => this.#renew(state.generation));
    } else if (canObtainAgain(this.options.auth)) {
      this.timers.schedule('token:renew', delay, () => this.#relogin('max-ttl', state.generation));
    }
  }

  async #renew(generation: number): Promise<void> {
    const s = this.#state;
    if (!s || s.generation !== generation || this.#closed) return;
    const { clock } = this.options;
    const requestedTtlMs = s.loginTtlMs;
    const sentAt = clock.now();
    let granted: number;
    let renewable: boolean;
    try {
      const res = await this.transport.send({
        method: 'POST',
        path: 'auth/token/renew-self',
        body: { increment: `${Math.round(requestedTtlMs / 1000)}s` },
        token: s.token,
        kind: 'idempotent-write',
        call: { maxRetries: 0 },
      });
      const auth = requireAuth(
        parseEnvelope(res.body, { path: 'auth/token/renew-self', status: res.status }),
        {
          path: 'auth/token/renew-self',
          status: res.status,
        },
      );
      granted = auth.lease_duration * 1000;
      renewable = auth.renewable;
    } catch (error) {
      if (this.#state !== s || this.#closed) return;
      if (error instanceof VaultInvalidTokenError) return this.#relogin('invalid-token', generation);
      // Vault refuses to renew (not renewable, past max TTL): only a new login helps.
      if (error instanceof VaultBadRequestError) return this.#relogin('max-ttl', generation);
      this.#report(error, 'renew');
      this.#renewFailures += 1;
      const remaining = (s.expiresAt ?? 0) - clock.now();
      const backoff = backoffDelay(this.#renewFailures - 1, {
        ...this.options.token.loginBackoff,
        jitter: 0.25,
      });
      if (remaining > 2_000) {
        this.timers.schedule('token:renew', Math.min(backoff, remaining / 2), () => this.#renew(generation));
      } else {
        this.timers.schedule('token:renew', Math.max(0, remaining), () =>
          this.#relogin('expired', generation),
        );
      }
      return;
    }
    if (this.#state !== s || this.#closed) return;
    const next: TokenState = { ...s, ttlMs: granted, renewable, expiresAt: sentAt + granted };
    this.#state = next;
    this.#renewFailures = 0;
    // Vault grants less than asked as the token nears its max TTL: log in again before it runs out.
    const capped = granted < requestedTtlMs - 1_000;
    this.events.emit('auth:renewed', {
      accessor: s.accessor,
      requestedTtlMs,
      ttlMs: granted,
      capped,
      at: clock.now(),
    });
    this.#scheduleRenewal(next, granted, capped || !renewable ? 'relogin' : 'renew');
  }

  async #relogin(reason: LoginReason, generation: number): Promise<void> {
    if (this.#closed || this.#state?.generation !== generation) return;
    if (reason === 'invalid-token') this.#invalidate();
    await this.#ensure(reason).catch(() => undefined);
  }

  #report(
    error: unknown,
    phase: 'login' | 'renew' | 'revoke',
    extra: { attempt?: number; nextAttemptInMs?: number } = {},
  ): void {
    const wrapped = asClientError(error, (text) => this.redactor.text(text));
    this.events.emit('error', { error: wrapped, phase, ...extra, at: this.options.clock.now() });
  }
}

function waitWithSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
