import { ManualClock } from 'vault-kubernetes-client/testing';
import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS } from '../../src/internal/clock';
import { Timers } from '../../src/internal/timers';

/*
 * The client's timer queue: every timer of a client behind one clock timer, due times as
 * durations (a lagging clock never pushes a task back), in order, all gone on close.
 */

function setup(time?: () => number) {
  const clock = new ManualClock(0);
  const fired: string[] = [];
  const errors: unknown[] = [];
  const timers = new Timers(clock, (error) => errors.push(error), time ?? (() => clock.now()));
  return { clock, timers, fired, errors };
}

describe('Timers', () => {
  it('runs slots in due order, ties in the order armed, each at its own instant', async () => {
    const { clock, timers, fired } = setup();
    const at = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    const a = timers.slot(at('a'));
    const b = timers.slot(at('b'));
    const c = timers.slot(at('c'));
    timers.arm(c, 300);
    timers.arm(a, 100);
    timers.arm(b, 100);
    timers.schedule('named', 200, at('named'));
    await clock.advance(1_000);
    expect(fired).toEqual(['a@100', 'b@100', 'named@200', 'c@300']);
    expect(timers.size).toBe(0);
    // One clock timer at a time, however many slots.
    expect(clock.pendingTimers()).toBe(0);
  });

  it('arming again moves a slot; disarm, cancel and cancelMatching take timers out; close takes all', async () => {
    const { clock, timers, fired } = setup();
    const a = timers.slot(() => fired.push(`a@${clock.now()}`));
    timers.arm(a, 100);
    timers.arm(a, 500);
    timers.schedule('revoke:1', 50, () => fired.push('revoke:1'));
    timers.schedule('revoke:2', 60, () => fired.push('revoke:2'));
    timers.schedule('drain:1', 70, () => fired.push('drain:1'));
    timers.cancelMatching('revoke:');
    await clock.advance(200);
    expect(fired).toEqual(['drain:1']);
    timers.disarm(a);
    await clock.advance(1_000);
    expect(fired).toEqual(['drain:1']);
    for (let i = 0; i < 100; i++)
      timers.arm(
        timers.slot(() => fired.push('late')),
        i * 10,
      );
    timers.close();
    expect(timers.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(10_000);
    expect(fired).toEqual(['drain:1']);
    timers.schedule('after-close', 0, () => fired.push('after-close'));
    await clock.advance(1);
    expect(fired).toEqual(['drain:1']);
  });

  it('a time source that lags (a wall clock stepped back) never delays a task: the waits count', async () => {
    const clock = new ManualClock(0);
    let lag = 0;
    const fired: number[] = [];
    // The upkeep's time falls 10 s behind the clock's as soon as the task is armed.
    const timers = new Timers(
      clock,
      () => undefined,
      () => clock.now() - lag,
    );
    timers.arm(
      timers.slot(() => fired.push(clock.now())),
      60_000,
    );
    lag = 10_000;
    await clock.advance(60_000);
    expect(fired).toEqual([60_000]);
  });

  it('a delay beyond what a Node timer holds is waited out in pieces that add up to it', async () => {
    const { clock, timers, fired } = setup();
    const long = MAX_TIMER_MS + 5_000;
    timers.arm(
      timers.slot(() => fired.push(`long@${clock.now()}`)),
      long,
    );
    await clock.advance(MAX_TIMER_MS);
    expect(fired).toEqual([]);
    await clock.advance(5_000);
    expect(fired).toEqual([`long@${long}`]);
  });

  it('a task that throws, at once or later, is reported and the others run', async () => {
    const { clock, timers, fired, errors } = setup();
    timers.arm(
      timers.slot(() => {
        throw new Error('sync');
      }),
      10,
    );
    timers.arm(
      timers.slot(() => Promise.reject(new Error('async'))),
      10,
    );
    timers.arm(
      timers.slot(() => fired.push('ok')),
      10,
    );
    await clock.advance(10);
    expect(fired).toEqual(['ok']);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(['async', 'sync']);
  });
});
