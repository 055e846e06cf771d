import type { Clock } from '../types/clock';

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

/**
 * The time every upkeep decision is made on: it never runs backwards. A wall clock stepped back
 * (NTP, a VM resumed, a hostile test) would make a lease look alive past its end and push a
 * renewal back by the step; a step forward only makes things look due early, which errs on the
 * safe side. The system clock is read through `performance.now()`, which no step moves. Any other
 * clock (a test's) is read through its `now()`; a step back is absorbed, and the real time that
 * passed since the previous reading (performance.now()) is counted instead of the step, so a
 * clock running in real time loses nothing across it.
 *
 * Vault states durations (lease_duration, ttl) and, for certificates, wall-clock instants;
 * `fromWall` turns the latter into this time, `toWall` turns an end back into epoch ms for the app.
 */
export class Monotonic {
  readonly #clock: Clock;
  readonly #read: () => number;
  readonly #system: boolean;
  /** Readings count from here: small whole numbers, which V8 keeps unboxed in every object holding one. */
  readonly #origin: number;
  #last: number;
  #lastReal: number;
  #offset = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#system = clock === systemClock;
    this.#read = this.#system ? () => performance.now() : () => clock.now();
    this.#last = this.#read();
    this.#origin = Math.floor(this.#last);
    this.#lastReal = performance.now();
  }

  /** Whole milliseconds since this view was made; never decreasing. */
  now(): number {
    const raw = this.#read();
    if (this.#system) return Math.floor(raw) - this.#origin;
    const real = performance.now();
    if (raw < this.#last) this.#offset += this.#last - raw + (real - this.#lastReal);
    this.#last = raw;
    this.#lastReal = real;
    return Math.floor(raw + this.#offset) - this.#origin;
  }

  /** A wall-clock instant on the client's clock (epoch ms) as an instant of this time. */
  fromWall(wallMs: number): number {
    return this.now() + (wallMs - this.#clock.now());
  }

  /** An instant of this time as epoch ms on the client's clock, for what the app sees. */
  toWall(monoMs: number): number {
    return this.#clock.now() + (monoMs - this.now());
  }
}
