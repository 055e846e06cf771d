import { performance } from 'node:perf_hooks';
import { systemClock } from '../internal/clock';
import type { Clock } from '../types/clock';

/**
 * One call's whole time budget (`timeouts.totalMs`), shared by its attempts, the waits between
 * them and a re-login in the middle: created once at call entry (`deadlineFrom`) and passed
 * down, so nothing along the way starts a fresh one.
 *
 * Time is counted on one consistent notion: the client's clock, plus the real time spent in I/O
 * that the clock did not see. With the system clock the two are the same time, so nothing is
 * counted twice (and the clock's view is monotonic, so a wall-clock step does not stretch or cut
 * a deadline). With a test's ManualClock, retry waits pass when the test moves the clock and
 * attempts pass in real time, and both count against the same budget.
 */
export interface Deadline {
  /** The budget, in milliseconds from the call's start. */
  readonly totalMs: number;
  /** Milliseconds left; zero or less once the deadline has passed. */
  remainingMs(): number;
  /** Counts a piece of I/O that took `realMs` of real time while the clock moved `clockMs`. */
  spent(realMs: number, clockMs: number): void;
}

/** A deadline `totalMs` from now, on `clock` (the client's). */
export function deadlineFrom(totalMs: number, clock: Clock = systemClock): Deadline {
  return new CallDeadline(totalMs, monotonicView(clock));
}

/** What a deadline reads as "now": the system clock's monotonic twin, or the injected clock itself. */
export function monotonicView(clock: Clock): () => number {
  return clock === systemClock ? () => performance.now() : () => clock.now();
}

class CallDeadline implements Deadline {
  readonly totalMs: number;
  readonly #now: () => number;
  readonly #start: number;
  /** Real time spent in I/O beyond what the clock moved meanwhile. */
  #unseenMs = 0;

  constructor(totalMs: number, now: () => number) {
    this.totalMs = totalMs;
    this.#now = now;
    this.#start = now();
  }

  remainingMs(): number {
    return this.totalMs - (this.#now() - this.#start) - this.#unseenMs;
  }

  spent(realMs: number, clockMs: number): void {
    if (realMs > clockMs) this.#unseenMs += realMs - clockMs;
  }
}
