import { VaultTimeoutError } from '../errors';
import type { Clock } from '../types/clock';

/**
 * Shared work (a login, a secret's fetch) and the callers waiting on it. The work runs under the
 * client's own lifetime and defaults; each caller waits with its own signal and timeout, so one
 * caller giving up (its abort, its short timeout) never fails another, nor the work itself.
 */
export interface Waiters<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
  /** Callers waiting now: a failure they all receive need not be printed again. */
  waiting(): number;
  /** Registers a caller; the returned function unregisters it. */
  join(): () => void;
}

export function createWaiters<T>(): Waiters<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting when it fails (background work): that is reported elsewhere, not unhandled.
  promise.catch(() => undefined);
  let count = 0;
  return {
    promise,
    resolve,
    reject,
    waiting: () => count,
    join() {
      count += 1;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        count -= 1;
      };
    },
  };
}

/** How one caller waits: its own signal, and how long it is willing to wait (on the client's clock). */
export interface WaitOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** What to call the wait in a timeout message. */
  what?: string;
  /** The error when `timeoutMs` passes; a VaultTimeoutError naming the call's timeoutMs by default. */
  timedOut?: () => Error;
}

export function waitFor<T>(waiters: Waiters<T>, options: WaitOptions = {}, clock?: Clock): Promise<T> {
  const { signal, timeoutMs } = options;
  const bounded = clock !== undefined && timeoutMs !== undefined && Number.isFinite(timeoutMs);
  if (!signal && !bounded) {
    const leave = waiters.join();
    return waiters.promise.finally(leave);
  }
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const leave = waiters.join();
    let timer: unknown;
    const done = () => {
      leave();
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clock?.clearTimeout(timer);
    };
    const onAbort = () => {
      done();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (bounded) {
      timer = clock.setTimeout(
        () => {
          done();
          reject(
            options.timedOut?.() ??
              new VaultTimeoutError(
                `gave up waiting for ${options.what ?? 'Vault'} after ${timeoutMs} ms (the call's timeoutMs)`,
              ),
          );
        },
        Math.max(0, timeoutMs),
      );
      (timer as { unref?: () => void } | undefined)?.unref?.();
    }
    waiters.promise.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}
