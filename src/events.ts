import { EventEmitter } from 'eventemitter3';
import { ListenerError } from './errors';
import { whatWasThrown } from './internal/thrown';
import type { Clock } from './types/clock';
import type { ErrorEvent, EventName, Listener, VaultClientEvents } from './types/events';
import type { Logger } from './types/logger';

// biome-ignore lint/suspicious/noExplicitAny: eventemitter3's own listener type
type AnyListener = (...args: any[]) => void;
export type EventObserver = <K extends EventName>(name: K, payload: VaultClientEvents[K]) => void;

/** How an event is emitted: an `error` a caller already received is not worth printing again. */
export interface EmitOptions {
  delivered?: boolean;
}

/**
 * The client's typed events. Listeners run inside try/catch: one that throws (anything at all)
 * becomes an `error` event (phase `listener`) and never breaks the lifecycle that emitted. An
 * `error` nobody listens to is logged, not dropped (at debug level when a caller received it).
 *
 * `off(name, listener)` removes every registration of that listener, as eventemitter3 does.
 */
export class EventHub {
  readonly #emitter = new EventEmitter();
  readonly #wrappers = new Map<string, Map<AnyListener, AnyListener[]>>();
  readonly #observers = new Set<EventObserver>();

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

  /**
   * Internal (telemetry): sees every event as it is emitted, before the listeners. Not a listener:
   * an `error` nobody listens to is still logged. An observer that throws is ignored.
   */
  observe(observer: EventObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  emit<K extends EventName>(name: K, payload: VaultClientEvents[K], options: EmitOptions = {}): void {
    const frozen = Object.freeze(payload);
    for (const observer of this.#observers) {
      try {
        observer(name, frozen as VaultClientEvents[K]);
      } catch {
        // telemetry must never break the lifecycle that emitted
      }
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
    const what = whatWasThrown(cause);
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
