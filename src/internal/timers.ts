import { AsyncResource } from 'node:async_hooks';
import type { Clock } from '../types/clock';
import { MAX_TIMER_MS } from './clock';

/** A timer an owner keeps for its life and arms again and again (a secret's upkeep, a token's). */
export interface TimerSlot {
  /** When it is due, on the upkeep's time; -1 while disarmed. */
  due: number;
  /** Tie-break for slots due at one instant: the order they were armed in. */
  seq: number;
  /** Its place in the queue; -1 while disarmed. */
  at: number;
  readonly run: () => unknown;
}

/**
 * Every timer of one client, in one place: a queue ordered by due time behind a single clock
 * timer (unref'd, clamped to Node's limit), so ten thousand secrets cost ten thousand small queue
 * entries rather than ten thousand Node timers. Cancelled on replace, all cancelled on close. A
 * task that fails reports to `onError`; nothing scheduled here can throw into the event loop.
 *
 * Delays are durations. Due times are kept on the upkeep's monotonic time, and when the clock
 * timer fires, the time it waited counts as passed even if that clock lags (a wall clock stepped
 * back): a renewal is never pushed past the end it was meant to beat.
 */
export class Timers {
  readonly #queue: TimerSlot[] = [];
  readonly #named = new Map<string, TimerSlot>();
  readonly #time: () => number;
  /** Arms the clock timer outside any task a test clock attributes work to (see ManualClock). */
  readonly #arm: (callback: () => unknown, ms: number) => unknown;
  #seq = 0;
  #handle: unknown;
  #armedDue: number | undefined;
  #armedAt = 0;
  #armedWait = 0;
  /** Time the clock timer has proven to have passed: its waits, added up. */
  #floor = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly onError: (error: unknown, name: string) => void,
    time?: () => number,
  ) {
    this.#time = time ?? (() => clock.now());
    this.#arm = AsyncResource.bind((callback: () => unknown, ms: number) => clock.setTimeout(callback, ms));
  }

  /** A slot for an owner that arms one timer over and over; `run` is what it does when due. */
  slot(run: () => unknown): TimerSlot {
    return { due: -1, seq: 0, at: -1, run };
  }

  /** Arms `slot` to run after `delayMs` (replacing its previous due time). */
  arm(slot: TimerSlot, delayMs: number): void {
    if (this.#closed) return;
    if (slot.at >= 0) this.#remove(slot);
    slot.due = this.now() + (Math.max(0, delayMs) || 0);
    slot.seq = ++this.#seq;
    this.#push(slot);
    this.#reschedule();
  }

  disarm(slot: TimerSlot): void {
    if (slot.at < 0) return;
    this.#remove(slot);
    this.#reschedule();
  }

  /** Runs `task` after `delayMs`, replacing any timer of the same name. */
  schedule(name: string, delayMs: number, task: () => unknown): void {
    if (this.#closed) return;
    this.cancel(name);
    const slot = this.slot(() => {
      this.#named.delete(name);
      return task();
    });
    this.#named.set(name, slot);
    this.arm(slot, delayMs);
  }

  cancel(name: string): void {
    const slot = this.#named.get(name);
    if (!slot) return;
    this.#named.delete(name);
    this.disarm(slot);
  }

  cancelMatching(prefix: string): void {
    for (const name of [...this.#named.keys()]) if (name.startsWith(prefix)) this.cancel(name);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Timers armed and not yet fired or cancelled. */
  get size(): number {
    return this.#queue.length;
  }

  close(): void {
    this.#closed = true;
    for (const slot of this.#queue) {
      slot.at = -1;
      slot.due = -1;
    }
    this.#queue.length = 0;
    this.#named.clear();
    this.#reschedule();
  }

  /** Now, on the upkeep's time, and never before what the clock timer's waits have proven. */
  now(): number {
    return Math.max(this.#time(), this.#floor);
  }

  #reschedule(): void {
    const next = this.#queue[0];
    if (next !== undefined && this.#handle !== undefined && this.#armedDue === next.due) return;
    if (this.#handle !== undefined) this.clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#armedDue = undefined;
    if (next === undefined) return;
    const now = this.now();
    const wait = Math.min(Math.max(0, next.due - now), MAX_TIMER_MS);
    this.#armedDue = next.due;
    this.#armedAt = now;
    this.#armedWait = wait;
    const handle = this.#arm(() => (this.#handle === handle ? this.#fire() : undefined), wait);
    (handle as { unref?: () => void } | undefined)?.unref?.();
    this.#handle = handle;
  }

  /** The clock timer fired: everything due runs; the work it started is what the callback returns. */
  #fire(): Promise<unknown> {
    this.#handle = undefined;
    this.#armedDue = undefined;
    this.#floor = Math.max(this.#floor, this.#armedAt + this.#armedWait);
    const now = this.now();
    const runs: Promise<void>[] = [];
    for (let next = this.#queue[0]; next !== undefined && next.due <= now; next = this.#queue[0]) {
      this.#remove(next);
      runs.push(this.#run(next));
    }
    this.#reschedule();
    return Promise.all(runs);
  }

  async #run(slot: TimerSlot): Promise<void> {
    try {
      await slot.run();
    } catch (error) {
      try {
        this.onError(error, 'timer');
      } catch {
        // an error reporter that throws has nowhere left to report to
      }
    }
  }

  // A binary heap on (due, seq), each slot knowing its index so that it can be removed in O(log n).

  #push(slot: TimerSlot): void {
    slot.at = this.#queue.length;
    this.#queue.push(slot);
    this.#up(slot.at);
  }

  #remove(slot: TimerSlot): void {
    const at = slot.at;
    const last = this.#queue.pop()!;
    slot.at = -1;
    if (last !== slot) {
      this.#queue[at] = last;
      last.at = at;
      this.#up(at);
      this.#down(last.at);
    }
  }

  #before(a: TimerSlot, b: TimerSlot): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  #up(index: number): void {
    const q = this.#queue;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(q[i]!, q[parent]!)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(index: number): void {
    const q = this.#queue;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < q.length && this.#before(q[left]!, q[best]!)) best = left;
      if (right < q.length && this.#before(q[right]!, q[best]!)) best = right;
      if (best === i) return;
      this.#swap(i, best);
      i = best;
    }
  }

  #swap(i: number, j: number): void {
    const q = this.#queue;
    const a = q[i]!;
    const b = q[j]!;
    q[i] = b;
    q[j] = a;
    a.at = j;
    b.at = i;
  }
}
