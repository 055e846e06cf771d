import type { Clock, TrackingClock } from '../types/clock';

/** Whether a clock wants to hear about I/O in flight (a test clock such as the mock's `ManualClock`). */
export function isTrackingClock(clock: Clock): clock is TrackingClock {
  return typeof (clock as Partial<TrackingClock>).track === 'function';
}

/**
 * Tells a tracking clock about `work`, so that moving test time waits for it; with any other clock
 * it returns `work` untouched. Every piece of I/O the client starts goes through here.
 */
export function trackIo<T>(clock: Clock, work: Promise<T>): Promise<T> {
  return isTrackingClock(clock) ? clock.track(work) : work;
}
