import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A clock whose time moves only when a test moves it. The mock Vault reads `now()` for every
 * TTL, lease and JWT check; a client given the same clock schedules its timers on it, so one
 * `advance()` drives both sides.
 *
 * `advance()` fires due timers in time order and, after each, waits until the work it started
 * has finished or is itself waiting on this clock. That is what lets a renewal timer make a real
 * HTTP round trip to the mock before time moves on. Work is attributed to the timer that
 * started it through AsyncLocalStorage, so a task that sleeps on the clock (a backoff) does not
 * stall the advance.
 */
export class ManualClock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();
  readonly #tasks = new Set<Task>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #context = new AsyncLocalStorage<Task>();
  #onTimerAdded: (() => void) | undefined;
  /** Real milliseconds a fired task may go without progress before time moves on regardless. */
  stallMs = 250;
  /**
   * Real milliseconds to wait for tracked I/O (an HTTP attempt) that has not finished before
   * time moves on regardless; `stallMs` unless set. Set it above the client's per-attempt
   * timeout to keep time still for the whole of every attempt, while a short `stallMs` lets a
   * task blocked on another's clock wait move on quickly.
   */
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
    this.#onTimerAdded?.();
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
   * Tells the clock about I/O in flight (an HTTP attempt), so that `advance()` waits for it
   * before moving time: a client's retry after a failed attempt then happens at the simulated
   * instant it would in real life. A client calls this if its clock has it; the system clock does not.
   */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.add(settled);
    void settled.then(() => this.#inFlight.delete(settled));
    return work;
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
      }
    });
  }

  async #settle(): Promise<void> {
    for (let idle = 0; idle < 3; ) {
      await ioTurn();
      const busy = [...this.#tasks]
        .filter((task) => !task.done && task.timers.size === 0)
        .map((task) => task.promise);
      const waiting = [...busy, ...this.#inFlight];
      if (waiting.length === 0) {
        idle++;
        continue;
      }
      idle = 0;
      // A task may wait on work that is itself waiting on this clock but was started outside
      // any timer (a login begun by the test). Real I/O on loopback takes milliseconds, so a
      // task that makes no progress for `stallMs` of real time is treated as waiting on the clock.
      let stall: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        ...waiting.map((promise) => promise.then(() => 'done' as const)),
        new Promise<'timer'>((resolve) => {
          this.#onTimerAdded = () => resolve('timer');
        }),
        new Promise<'stall'>((resolve) => {
          const ioMs = this.#inFlight.size > 0 ? (this.ioStallMs ?? this.stallMs) : 0;
          stall = setTimeout(() => resolve('stall'), Math.max(this.stallMs, ioMs));
        }),
      ]);
      clearTimeout(stall);
      this.#onTimerAdded = undefined;
      if (outcome === 'stall') return;
      // A new timer from in-flight I/O alone means nothing: wait for the I/O itself.
      if (outcome === 'timer' && this.#inFlight.size > 0 && busy.length === 0) continue;
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
