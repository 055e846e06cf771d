import type { RotationReason } from '../types/events';
import type { SecretKind, SecretListener } from '../types/secret';
import type { FetchedSecret } from './secret-shape';

/** Whether a fetch brought a different secret: a new lease, a new KV version, or different data. */
export function changed(before: FetchedSecret, after: FetchedSecret): boolean {
  if (before.lease || after.lease) return before.lease?.id !== after.lease?.id;
  if (before.version !== undefined || after.version !== undefined) return before.version !== after.version;
  try {
    // A static password's `ttl` counts down between reads: the same password read twice is no change.
    if (before.kind === 'static-credentials' && after.kind === 'static-credentials')
      return JSON.stringify({ ...before.data, ttl: 0 }) !== JSON.stringify({ ...after.data, ttl: 0 });
    return JSON.stringify(before.data) !== JSON.stringify(after.data);
  } catch {
    // Data too deep (or cyclic) to compare: hand the app the new value rather than never updating.
    return true;
  }
}

/** Why a value past its end is replaced: a lost lease, or a certificate or static password Vault replaced. */
export function reasonPastEnd(kind: SecretKind): RotationReason {
  if (kind === 'certificate') return 'certificate-expiring';
  if (kind === 'static-credentials' || kind === 'kv') return 'new-version';
  return 'lease-lost';
}

/**
 * Calls an app's listener; what it throws, now or in the promise it returns, goes to `fail`.
 * Returns that promise (settled either way, never rejected) so a change can wait for its drain.
 */
export function deliver<T>(
  listener: SecretListener<T>,
  ...[secret, change, fail]: [...Parameters<SecretListener<T>>, (cause: unknown) => void]
): Promise<void> | undefined {
  try {
    const result: unknown = listener(secret, change);
    if (
      result !== null &&
      typeof result === 'object' &&
      typeof (result as PromiseLike<void>).then === 'function'
    )
      return Promise.resolve(result as PromiseLike<void>).then(() => undefined, fail);
  } catch (cause) {
    fail(cause);
  }
  return undefined;
}
