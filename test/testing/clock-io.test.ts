import { ManualClock } from 'vault-kubernetes-client/testing';
import { describe, expect, it } from 'vitest';

/** Found by the chaos suite: a short `stallMs` also cut short the wait for tracked I/O. */
describe('ManualClock and tracked I/O', () => {
  const slowAttempt = (clock: ManualClock, realMs: number, seen: number[]) =>
    clock.setTimeout(
      () =>
        clock.track(
          new Promise<void>((resolve) =>
            setTimeout(() => {
              seen.push(clock.now());
              resolve();
            }, realMs),
          ),
        ),
      1_000,
    );

  it('with ioStallMs, time stays still for the whole of a slow tracked attempt while stallMs stays short', async () => {
    const clock = new ManualClock(0);
    clock.stallMs = 10;
    clock.ioStallMs = 1_000;
    const seen: number[] = [];
    slowAttempt(clock, 150, seen);
    clock.setTimeout(() => undefined, 60_000);
    await clock.advance(120_000);
    // The attempt ended at the instant it started, as it would in real life.
    expect(seen).toEqual([1_000]);
  });

  it('without it, tracked I/O is waited for as long as stallMs, as before', async () => {
    const clock = new ManualClock(0);
    clock.stallMs = 10;
    const seen: number[] = [];
    slowAttempt(clock, 150, seen);
    await clock.advance(120_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toEqual([120_000]);
  });
});
