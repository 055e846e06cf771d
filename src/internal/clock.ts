/**
 * Where the client gets time and timers. Production uses the system clock; tests pass the mock
 * Vault's ManualClock (or anything with these three methods) so one move of time drives both.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => unknown, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Optional: a test clock learns of I/O in flight so it does not move time under it. */
  track?<T>(work: Promise<T>): Promise<T>;
}

/** Node keeps timers in a signed 32-bit millisecond count; longer delays fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    // A client's timers alone must never keep the process alive.
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
