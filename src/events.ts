import { EventEmitter } from 'eventemitter3';
import { ListenerError } from './errors';
import type { Clock } from './types/clock';
import type { ErrorEvent, EventName, Listener, VaultClientEvents } from './types/events';
import type { Logger } from './types/logger';

// biome-ignore lint/suspicious/noExplicitAny: eventemitter3's own listener type
type AnyListener = (...args: any[]) => void;
export type EventObserver = <K extends EventName>(name: K, payload: VaultClientEvents[K]) => void;

/**
 * The client's typed events. Listeners run inside try/catch: one that throws becomes an `error`
 * event (phase `listener`) and never breaks the lifecycle that emitted. An `error` nobody
 * listens to is logged, not dropped.
 */
export class EventHub {
  readonly #emitter = new EventEmitter();
  readonly #wrappers = new Map<string, Map<AnyListener, AnyListener>>();
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
    const wrapper = this.#wrappers.get(name)?.get(listener);
    if (!wrapper) return;
    this.#emitter.off(name, wrapper);
    this.#wrappers.get(name)!.delete(listener);
  }

  /**
   * Internal (telemetry): sees every event as it is emitted, before the listeners. Not a listener:
   * an `error` nobody listens to is still logged. An observer that throws is ignored.
   */
  observe(observer: EventObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  emit<K extends EventName>(name: K, payload: VaultClientEvents[K]): void {
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
      this.logger.error(
        { phase: event.phase, path: event.path, code: event.error.code },
        event.error.message,
      );
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
      if (once) this.#wrappers.get(name)?.delete(listener);
      try {
        listener(payload);
      } catch (cause) {
        this.#listenerFailed(name, cause);
      }
    };
    let map = this.#wrappers.get(name);
    if (!map) {
      map = new Map();
      this.#wrappers.set(name, map);
    }
    map.set(listener, wrapper);
    return wrapper;
  }

  #listenerFailed(name: EventName, cause: unknown): void {
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    if (name === 'error') {
      this.logger.error({ event: name }, `an 'error' listener threw: ${detail}`);
      return;
    }
    const error = new ListenerError(`a '${name}' listener threw: ${detail}`, cause);
    this.emit('error', { error, phase: 'listener', at: this.clock.now() });
  }
}
