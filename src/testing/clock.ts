import { AsyncLocalStorage } from 'node:async_hooks';
// A type only: the mock stays independent of the client at run time.
import type { TrackingClock } from '../types/clock';

/** Event-loop cycles with nothing happening after which busy work is taken to wait on the clock. */
const QUIET_CYCLES = 50;

/**
 * A clock whose time moves only when a test moves it. The mock Vault reads `now()` for every
 * TTL, lease and JWT check; a client given the same clock schedules its timers on it, so one
 * `advance()` drives both sides.
 *
 * `advance()` fires due timers in time order and, after each, waits until the work it started
 * has finished or is itself waiting on this clock. That is what lets a renewal timer make a real
 * HTTP round trip to the mock before time moves on. Work is attributed to the timer that
 * started it through AsyncLocalStorage, so a task that sleeps on the clock (a backoff) does not
 * hold the advance up.
 *
 * Nothing here is measured in real time, so a slow or loaded machine cannot make time move
 * early: I/O the client reports through `track` is waited for however long it takes, and work
 * that waits on this clock indirectly (on a promise begun outside any timer, such as a login the
 * test started) is recognised by the event loop going round without anything happening.
 */
export class ManualClock implements TrackingClock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();
  readonly #tasks = new Set<Task>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #context = new AsyncLocalStorage<Task>();
  /** Waits inside tracked I/O that stand for simulated latency (see `hold`). */
  #held = 0;
  /** Bumped whenever something happens that `settle` watches for: a timer, a task, tracked I/O. */
  #progress = 0;
  readonly #listeners = new Set<() => void>();
  /**
   * @deprecated No longer read: the clock gives up on nothing after a real-time delay any more
   * (tracked I/O is awaited to its end, indirect waits are found by event-loop cycles). Kept so
   * that code setting it still compiles.
   */
  stallMs = 250;
  /** @deprecated No longer read, like `stallMs`. */
  ioStallMs: number | undefined;

  constructor(start: number | Date = Date.now()) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => unknown, ms: number): ManualTimer {
    const id = ++this.#seq;
    const timer: Timer = {
      id,
      due: this.#now + Math.max(0, Number.isFinite(ms) ? ms : 0),
      callback,
      owner: this.#context.getStore(),
    };
    this.#timers.set(id, timer);
    timer.owner?.timers.add(id);
    this.#bump();
    return { id, unref: noop, ref: noop, hasRef: () => false };
  }

  clearTimeout(handle: unknown): void {
    const id = (handle as ManualTimer | undefined)?.id;
    if (typeof id !== 'number') return;
    const timer = this.#timers.get(id);
    if (!timer) return;
    this.#timers.delete(id);
    timer.owner?.timers.delete(id);
  }

  /**
   * Tells the clock about I/O in flight (an HTTP attempt, a file read), so that `advance()`
   * waits for it, however long it takes, before moving time: a client's retry after a failed
   * attempt then happens at the simulated instant it would in real life. The work must settle
   * without this clock (real I/O with a real-time timeout of its own), since time stands still
   * until it does. A client calls this if its clock has it; the system clock does not.
   */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.add(settled);
    this.#bump();
    void settled.then(() => {
      this.#inFlight.delete(settled);
      this.#bump();
    });
    return work;
  }

  /**
   * For a test that makes an answer slow on purpose: awaited inside tracked I/O (a `fetch`
   * wrapper that holds the response until the test lets it go), it tells the clock that this
   * wait is simulated latency, so `advance()` moves time on while it lasts instead of waiting
   * for the I/O. Everything else in flight is still waited for.
   */
  async hold<T>(until: Promise<T>): Promise<T> {
    this.#held++;
    this.#bump();
    try {
      return await until;
    } finally {
      this.#held--;
      this.#bump();
    }
  }

  #bump(): void {
    this.#progress++;
    for (const listener of this.#listeners) listener();
  }

  /** Timers scheduled and not yet fired or cleared. */
  pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance() takes a non-negative number of milliseconds, got ${ms}`);
    const target = this.#now + ms;
    // Work already under way (a request the test just made) schedules its timers first.
    await this.#settle();
    await this.#runUntil(target);
    this.#now = target;
    await this.#settle();
    await this.#runUntil(target);
  }

  async #runUntil(target: number): Promise<void> {
    for (let next = this.#nextDue(target); next; next = this.#nextDue(target)) {
      this.#now = Math.max(this.#now, next.due);
      this.#fire(next);
      await this.#settle();
    }
  }

  /** Moves time to an absolute instant (milliseconds since the epoch, or a Date). */
  async advanceTo(instant: number | Date): Promise<void> {
    const at = typeof instant === 'number' ? instant : instant.getTime();
    await this.advance(Math.max(0, at - this.#now));
  }

  /** Waits until work started by fired timers has finished or is waiting on this clock. */
  async settle(): Promise<void> {
    await this.#settle();
  }

  #nextDue(limit: number): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.due > limit) continue;
      if (!best || timer.due < best.due || (timer.due === best.due && timer.id < best.id)) best = timer;
    }
    return best;
  }

  #fire(timer: Timer): void {
    this.#timers.delete(timer.id);
    timer.owner?.timers.delete(timer.id);
    const task: Task = { timers: new Set(), done: false, promise: Promise.resolve() };
    this.#tasks.add(task);
    task.promise = this.#context.run(task, async () => {
      try {
        await timer.callback();
      } catch {
        // A timer callback's failure belongs to whoever scheduled it; the clock only keeps time.
      } finally {
        task.done = true;
        this.#tasks.delete(task);
        this.#bump();
      }
    });
  }

  async #settle(): Promise<void> {
    let idle = 0;
    let quiet = 0;
    let seen = -1;
    while (idle < 3) {
      await ioTurn();
      if (this.#inFlight.size > this.#held) {
        // Real I/O ends on its own (a response, or the caller's own real-time timeout); a hold
        // beginning meanwhile is news too, since held I/O is not waited for.
        let listener = noop;
        await new Promise<void>((resolve) => {
          listener = resolve;
          this.#listeners.add(listener);
        });
        this.#listeners.delete(listener);
        idle = 0;
        quiet = 0;
        continue;
      }
      // Fired tasks still running that are not sleeping on one of their own timers.
      const busy = [...this.#tasks].some((task) => !task.done && task.timers.size === 0);
      if (!busy) {
        idle++;
        continue;
      }
      idle = 0;
      if (this.#progress !== seen) {
        seen = this.#progress;
        quiet = 0;
        continue;
      }
      // A busy task that neither finishes, nor starts I/O, nor arms a timer while the event loop
      // goes round is waiting on this clock through work begun outside any timer.
      if (++quiet >= QUIET_CYCLES) return;
    }
  }
}

export interface ManualTimer {
  readonly id: number;
  unref(): void;
  ref(): void;
  hasRef(): boolean;
}

interface Timer {
  id: number;
  due: number;
  callback: () => unknown;
  owner: Task | undefined;
}

interface Task {
  timers: Set<number>;
  done: boolean;
  promise: Promise<void>;
}

function noop(): void {}

function ioTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
