import type { Clock } from '../types/clock';
import { MAX_TIMER_MS } from './clock';

/**
 * Every timer of one client, in one place: one-shot, unref'd, clamped to Node's limit, cancelled
 * on replace and all cancelled on close. A task that fails reports to `onError`; nothing
 * scheduled here can throw into the event loop.
 *
 * Delays are durations, counted down by the timers themselves, never compared with the clock's
 * `now()`: a wall clock stepped back must not push a renewal past the end it was meant to beat.
 * A delay beyond Node's limit runs as a chain of timers whose waits add up to it.
 */
export class Timers {
  readonly #handles = new Map<string, unknown>();
  #closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly onError: (error: unknown, name: string) => void,
  ) {}

  /** Runs `task` after `delayMs`, replacing any timer of the same name. */
  schedule(name: string, delayMs: number, task: () => unknown): void {
    if (this.#closed) return;
    this.cancel(name);
    // NaN and negative delays mean "now".
    let remaining = Math.max(0, delayMs) || 0;
    const arm = (): void => {
      const wait = Math.min(remaining, MAX_TIMER_MS);
      const handle = this.clock.setTimeout(() => {
        if (this.#handles.get(name) !== handle) return;
        remaining -= wait;
        if (remaining > 0) return arm();
        this.#handles.delete(name);
        return this.#run(name, task);
      }, wait);
      (handle as { unref?: () => void } | undefined)?.unref?.();
      this.#handles.set(name, handle);
    };
    arm();
  }

  cancel(name: string): void {
    const handle = this.#handles.get(name);
    if (handle === undefined) return;
    this.clock.clearTimeout(handle);
    this.#handles.delete(name);
  }

  cancelMatching(prefix: string): void {
    for (const name of [...this.#handles.keys()]) if (name.startsWith(prefix)) this.cancel(name);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Timers armed and not yet fired or cancelled. */
  get size(): number {
    return this.#handles.size;
  }

  close(): void {
    this.#closed = true;
    for (const name of [...this.#handles.keys()]) this.cancel(name);
  }

  async #run(name: string, task: () => unknown): Promise<void> {
    try {
      await task();
    } catch (error) {
      try {
        this.onError(error, name);
      } catch {
        // an error reporter that throws has nowhere left to report to
      }
    }
  }
}
