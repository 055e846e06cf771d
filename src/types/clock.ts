/**
 * Where the client gets time and timers. Production uses the system clock; tests pass the mock
 * Vault's `ManualClock` (or anything with these three methods) so that one move of time drives
 * both the client and the mock.
 *
 * @example
 * ```ts
 * import { startMockVault } from 'vault-kubernetes-client/testing';
 * const mock = await startMockVault();
 * const vault = new VaultKubernetesClient({ address: mock.address, auth: { role: 'app' }, clock: mock.clock });
 * ```
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `callback` after `ms`; the handle is only ever given back to `clearTimeout`. */
  setTimeout(callback: () => unknown, ms: number): unknown;
  /** Cancels a timer; a handle already fired or cleared is ignored. */
  clearTimeout(handle: unknown): void;
}

/**
 * A test clock that also wants to know about I/O in flight, so that moving time waits for an HTTP
 * attempt to finish instead of firing its timeout under it. The mock Vault's `ManualClock` is one;
 * the client calls `track` only when the clock it was given has it. Production clocks do not.
 */
export interface TrackingClock extends Clock {
  /** Called with each piece of I/O the client starts; returns the same promise. */
  track<T>(work: Promise<T>): Promise<T>;
}
