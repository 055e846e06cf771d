import { ManualClock } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * ManualClock keeps no real-time limits: tracked I/O is waited for to its end, and a task that
 * waits on the clock indirectly is recognised by the event loop going round idle. No test here
 * sleeps; a loaded machine is simulated by blocking the event loop.
 */
afterEach(() => {
  vi.restoreAllMocks();
});

/** One trip round the event loop (poll and check phases), not a measure of time. */
const cycle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets the clock reach its wait for the I/O in flight before the test acts. */
async function letTheClockWait(): Promise<void> {
  for (let i = 0; i < 20; i++) await cycle();
}

/** A loaded CI machine: the event loop does nothing else for this long. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

/** I/O that ends when the test says so, tracked by the clock as an HTTP attempt would be. */
function trackedIo(clock: ManualClock) {
  let finish: () => void = () => undefined;
  let started = false;
  const seen: number[] = [];
  clock.setTimeout(async () => {
    started = true;
    await clock.track(new Promise<void>((resolve) => (finish = resolve)));
    seen.push(clock.now());
  }, 1_000);
  return { seen, started: () => started, finish: () => finish() };
}

describe('ManualClock and tracked I/O', () => {
  it('keeps time still for the whole of a tracked attempt, however long the machine stalls', async () => {
    const clock = new ManualClock(0);
    const io = trackedIo(clock);
    clock.setTimeout(() => undefined, 60_000);
    let done = false;
    const advancing = clock.advance(120_000).then(() => {
      done = true;
    });
    while (!io.started()) await cycle();
    await letTheClockWait();
    // Longer than the 250 ms the clock used to wait before giving up on a task.
    blockEventLoop(400);
    for (let i = 0; i < 500; i++) await cycle();
    expect(done).toBe(false);
    expect(clock.now()).toBe(1_000);
    io.finish();
    await advancing;
    // The attempt ended at the instant it started, as it would in real life.
    expect(io.seen).toEqual([1_000]);
    expect(clock.now()).toBe(120_000);
  });

  it('arms no real timer while it advances', async () => {
    const clock = new ManualClock(0);
    const io = trackedIo(clock);
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const advancing = clock.advance(5_000);
    while (!io.started()) await cycle();
    await letTheClockWait();
    io.finish();
    await advancing;
    expect(setTimeoutSpy).not.toHaveBeenCalled();
    expect(io.seen).toEqual([1_000]);
  });

  it('moves on when a fired task waits on the clock through work the test began', async () => {
    const clock = new ManualClock(0);
    // A login begun by the test (outside any timer) that backs off on the clock for 5 s.
    const login = new Promise<void>((resolve) => clock.setTimeout(resolve, 5_000));
    const renewedAt: number[] = [];
    clock.setTimeout(async () => {
      await login;
      renewedAt.push(clock.now());
    }, 1_000);
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    await clock.advance(10_000);
    expect(renewedAt).toEqual([5_000]);
    expect(setTimeoutSpy).not.toHaveBeenCalled();
  });

  it('runs a failed attempt, a backoff on the clock and a second attempt at their exact instants', async () => {
    const clock = new ManualClock(0);
    const attempts: number[] = [];
    let pending: (() => void)[] = [];
    const attempt = () => {
      attempts.push(clock.now());
      return clock.track(new Promise<void>((resolve) => pending.push(resolve)));
    };
    clock.setTimeout(async () => {
      await attempt();
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 2_000));
      await attempt();
    }, 1_000);
    const advancing = clock.advance(10_000);
    for (const expected of [1, 2]) {
      while (pending.length === 0) await cycle();
      await letTheClockWait();
      blockEventLoop(300);
      await letTheClockWait();
      expect(attempts).toHaveLength(expected);
      const finish = pending;
      pending = [];
      for (const resolve of finish) resolve();
    }
    await advancing;
    expect(attempts).toEqual([1_000, 3_000]);
  });

  it('moves time on while a test holds an answer back (hold), and still waits for other I/O', async () => {
    const clock = new ManualClock(0);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const answeredAt: number[] = [];
    // A slow answer: the test holds the response inside the tracked attempt.
    const slow = clock.track(clock.hold(held)).then(() => answeredAt.push(clock.now()));
    // Another attempt, due at 2 s, whose answer comes when the event loop has gone round a while.
    const other = trackedIo(clock);
    const advancing = clock.advance(30_000);
    while (!other.started()) await cycle();
    await letTheClockWait();
    blockEventLoop(300);
    await letTheClockWait();
    expect(clock.now()).toBe(1_000);
    other.finish();
    await advancing;
    expect(other.seen).toEqual([1_000]);
    expect(clock.now()).toBe(30_000);
    release();
    await slow;
    expect(answeredAt).toEqual([30_000]);
  });
});
