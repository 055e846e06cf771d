import { expect } from 'vitest';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** What both upkeep machines' step functions return. */
interface Step<S, A> {
  readonly next: S;
  readonly actions: readonly A[];
  readonly delayMs: number | undefined;
}

/**
 * Drives an upkeep machine (token or secret) as its shell does: one timer, fired at its due time,
 * actions recorded. Every step's `delayMs` is checked against the state's `dueAt` on the way.
 */
export class MachineDriver<
  S extends { readonly dueAt: number | undefined },
  E,
  A extends { readonly type: string },
> {
  now = 0;
  readonly actions: { at: number; action: A }[] = [];
  /** Timers armed (by due time) and how each ended. */
  readonly timers: { due: number; ended: 'fired' | 'cleared' | undefined }[] = [];
  /** Called with every action the machine asks for, wherever it came from (a send, a timer). */
  onAction: ((action: A) => void) | undefined;

  constructor(
    public state: S,
    private readonly step: (state: S, event: E, now: number, random: () => number) => Step<S, A>,
    private readonly timerEvent: E,
    readonly random: () => number,
  ) {}

  send(event: E): readonly A[] {
    const before = this.state.dueAt;
    const { next, actions, delayMs } = this.step(this.state, event, this.now, this.random);
    expect(delayMs).toBe(next.dueAt === undefined ? undefined : Math.max(0, next.dueAt - this.now));
    this.state = next;
    if (next.dueAt !== before) {
      const armed = this.timers.at(-1);
      if (armed && armed.ended === undefined) armed.ended = 'cleared';
      if (next.dueAt !== undefined) this.timers.push({ due: next.dueAt, ended: undefined });
    }
    for (const action of actions) this.actions.push({ at: this.now, action });
    for (const action of actions) this.onAction?.(action);
    return actions;
  }

  /** Moves time, firing the timer whenever it falls due on the way. */
  advance(ms: number): void {
    const target = this.now + ms;
    for (let due = this.state.dueAt; due !== undefined && due <= target; due = this.state.dueAt) {
      this.now = Math.max(this.now, due);
      const armed = this.timers.at(-1);
      if (armed) armed.ended = 'fired';
      this.send(this.timerEvent);
    }
    this.now = target;
  }

  /** The actions of one type, in order. */
  of<T extends A['type']>(type: T): Extract<A, { type: T }>[] {
    return this.actions.map((a) => a.action).filter((a): a is Extract<A, { type: T }> => a.type === type);
  }

  last<T extends A['type']>(type: T): Extract<A, { type: T }> | undefined {
    return this.of(type).at(-1);
  }

  count(type: A['type']): number {
    return this.of(type).length;
  }
}
