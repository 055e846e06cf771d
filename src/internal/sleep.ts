import type { Clock } from '../types/clock';

/** Waits on the client's clock; an abort rejects at once with the signal's reason and clears the timer. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal!.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    (handle as { unref?: () => void } | undefined)?.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
