import type { Clock } from '../types/clock';
import { MAX_TIMER_MS } from './clock';

/**
 * Every timer of one client, in one place: one-shot, unref'd, clamped to Node's limit (and
 * re-armed until the real due time), cancelled on replace and all cancelled on close. A task
 * that fails reports to `onError`; nothing scheduled here can throw into the event loop.
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
    const due = this.clock.now() + Math.max(0, delayMs);
    const arm = (): void => {
      const wait = Math.min(Math.max(0, due - this.clock.now()), MAX_TIMER_MS);
      const handle = this.clock.setTimeout(() => {
        if (this.#handles.get(name) !== handle) return;
        if (this.clock.now() < due) return arm();
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
