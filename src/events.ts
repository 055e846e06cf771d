import { channel } from 'node:diagnostics_channel';
import { EventEmitter } from 'eventemitter3';
import { ListenerError, type VaultClientError } from './errors';
import type { Clock } from './internal/clock';
import type { Logger } from './internal/logger';
import { describeThrown } from './internal/thrown';

export type LoginReason = 'initial' | 'expired' | 'invalid-token' | 'max-ttl';
export type ErrorPhase =
  | 'login'
  | 'renew'
  | 'lease-renew'
  | 'rotate'
  | 'revoke'
  | 'read'
  | 'listener'
  | 'drain'
  | 'close';
export type RotationReason =
  | 'max-ttl'
  | 'lease-lost'
  | 'relogin'
  | 'new-version'
  | 'certificate-expiring'
  | 'manual';

/** What a login tells the app: who the token is, never the token. */
export interface AuthLoginEvent {
  reason: LoginReason;
  accessor: string;
  policies: readonly string[];
  ttlMs: number;
  renewable: boolean;
  /** Failed attempts before this one since the last success. */
  failedAttempts: number;
  at: number;
}

export interface AuthRenewedEvent {
  accessor: string;
  requestedTtlMs: number;
  ttlMs: number;
  /** Vault granted less than asked: the token nears its max TTL and a new login is scheduled. */
  capped: boolean;
  at: number;
}

export interface LeaseRenewedEvent {
  path: string;
  /** The namespace the secret was read in, when not the client's default. */
  namespace?: string;
  leaseId: string;
  requestedTtlMs: number;
  ttlMs: number;
  at: number;
}

export interface LeaseExpiredEvent {
  path: string;
  namespace?: string;
  leaseId: string;
  at: number;
}

/** The one event that carries secret data: the app needs the new value to swap it in. */
export interface SecretRotatedEvent<T = Record<string, unknown>> {
  path: string;
  namespace?: string;
  reason: RotationReason;
  previous: SecretSnapshot<T> | undefined;
  current: SecretSnapshot<T>;
  at: number;
}

export interface SecretSnapshot<T = Record<string, unknown>> {
  data: T;
  leaseId: string | undefined;
  version: number | undefined;
  expiresAt: number | undefined;
}

export interface ErrorEvent {
  error: VaultClientError;
  phase: ErrorPhase;
  path?: string;
  namespace?: string;
  /** For login failures: attempts so far and when the next one is due. */
  attempt?: number;
  nextAttemptInMs?: number;
  at: number;
}

export interface VaultClientEvents {
  'auth:login': AuthLoginEvent;
  'auth:renewed': AuthRenewedEvent;
  'lease:renewed': LeaseRenewedEvent;
  'lease:expired': LeaseExpiredEvent;
  'secret:rotated': SecretRotatedEvent;
  error: ErrorEvent;
}

export type EventName = keyof VaultClientEvents;
// biome-ignore lint/suspicious/noExplicitAny: eventemitter3's own listener type
type AnyListener = (...args: any[]) => void;
export type Listener<K extends EventName> = (payload: VaultClientEvents[K]) => void;

/** Diagnostics channels (node:diagnostics_channel) for telemetry: names only, never data or tokens. */
const rotatedChannel = channel('vault-kubernetes-client:secret:rotated');
const loginChannel = channel('vault-kubernetes-client:auth:login');

/** How an event is emitted: an `error` a caller already received is not worth printing again. */
export interface EmitOptions {
  delivered?: boolean;
}

/**
 * The client's typed events. Listeners run inside try/catch: one that throws becomes an `error`
 * event (phase `listener`) and never breaks the lifecycle that emitted. An `error` nobody
 * listens to is logged, not dropped (at debug level when a caller already received it).
 *
 * `off(name, listener)` removes every registration of that listener, as eventemitter3 does.
 */
export class EventHub {
  readonly #emitter = new EventEmitter();
  readonly #wrappers = new Map<string, Map<AnyListener, AnyListener[]>>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  on<K extends EventName>(name: K, listener: Listener<K>): void {
    this.#emitter.on(name, this.#wrap(name, listener, false));
  }

  once<K extends EventName>(name: K, listener: Listener<K>): void {
    this.#emitter.once(name, this.#wrap(name, listener, true));
  }

  off<K extends EventName>(name: K, listener: Listener<K>): void {
    const byListener = this.#wrappers.get(name);
    const wrappers = byListener?.get(listener);
    if (!byListener || !wrappers) return;
    byListener.delete(listener);
    if (byListener.size === 0) this.#wrappers.delete(name);
    for (const wrapper of wrappers) this.#emitter.off(name, wrapper);
  }

  /** Registrations now, for one event or all: what on/once/off leave behind. */
  listenerCount(name?: EventName): number {
    if (name) return this.#emitter.listenerCount(name);
    return this.#emitter.eventNames().reduce((n, e) => n + this.#emitter.listenerCount(e), 0);
  }

  emit<K extends EventName>(name: K, payload: VaultClientEvents[K], options: EmitOptions = {}): void {
    const frozen = Object.freeze(payload);
    if (name === 'secret:rotated' && rotatedChannel.hasSubscribers) {
      const event = frozen as unknown as SecretRotatedEvent;
      const leaseId = event.current.leaseId;
      rotatedChannel.publish({
        path: event.path,
        reason: event.reason,
        ...(leaseId ? { leaseId } : {}),
        at: event.at,
      });
    } else if (name === 'auth:login' && loginChannel.hasSubscribers) {
      const event = frozen as unknown as AuthLoginEvent;
      loginChannel.publish({ reason: event.reason, at: event.at });
    }
    if (name === 'error' && this.#emitter.listenerCount('error') === 0) {
      const event = frozen as unknown as ErrorEvent;
      const fields = { phase: event.phase, path: event.path, code: event.error.code };
      // The caller that received it prints it (or decides not to): printing it here too says it twice.
      if (options.delivered) this.logger.debug(fields, event.error.message);
      else this.logger.error(fields, event.error.message);
      return;
    }
    this.#emitter.emit(name, frozen);
  }

  removeAll(): void {
    this.#emitter.removeAllListeners();
    this.#wrappers.clear();
  }

  #wrap<K extends EventName>(
    name: K,
    listener: Listener<K>,
    once: boolean,
  ): (payload: VaultClientEvents[K]) => void {
    const wrapper = (payload: VaultClientEvents[K]) => {
      if (once) this.#forget(name, listener, wrapper);
      try {
        listener(payload);
      } catch (cause) {
        this.#listenerFailed(name, cause);
      }
    };
    let byListener = this.#wrappers.get(name);
    if (!byListener) {
      byListener = new Map();
      this.#wrappers.set(name, byListener);
    }
    const list = byListener.get(listener);
    if (list) list.push(wrapper);
    else byListener.set(listener, [wrapper]);
    return wrapper;
  }

  #forget(name: string, listener: AnyListener, wrapper: AnyListener): void {
    const byListener = this.#wrappers.get(name);
    const list = byListener?.get(listener);
    if (!byListener || !list) return;
    const at = list.indexOf(wrapper);
    if (at !== -1) list.splice(at, 1);
    if (list.length === 0) byListener.delete(listener);
    if (byListener.size === 0) this.#wrappers.delete(name);
  }

  #listenerFailed(name: EventName, cause: unknown): void {
    // Never the listener's own message: an app's error may quote a password. What threw, and the
    // value itself as the cause, for whoever inspects it on purpose.
    const what = describeThrown(cause);
    if (name === 'error') {
      this.logger.error({ event: name }, `an 'error' listener threw ${what}`);
      return;
    }
    const error = new ListenerError(
      `a '${name}' listener threw ${what}; the thrown value is this error's cause`,
      cause,
    );
    this.emit('error', { error, phase: 'listener', at: this.clock.now() });
  }
}
