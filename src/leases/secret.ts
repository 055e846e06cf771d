import { hideFromInspection, maskValues } from '../internal/redact';
import type { SecretSnapshot } from '../types/events';
import type { Secret } from '../types/secret';
import type { FetchedSecret } from './secret-shape';

/** The app's view of a value: `expiresAt` is epoch ms of its end (renewals move it), if it has one. */
export function toSecret<T>(
  path: string,
  fetched: FetchedSecret,
  data: T,
  expiresAt: number | undefined,
): Secret<T> {
  const lease = fetched.lease;
  const secret: Secret<T> = {
    path,
    kind: fetched.kind,
    data,
    version: fetched.version,
    metadata: fetched.metadata,
    lease: lease
      ? {
          id: lease.id,
          ttlMs: lease.ttlMs,
          renewable: lease.renewable,
          expiresAt: expiresAt ?? fetched.fetchedAt + lease.ttlMs,
        }
      : undefined,
    expiresAt,
    fetchedAt: fetched.fetchedAt,
  };
  hideFromInspection(secret, () => ({ ...secret, data: maskValues(secret.data) }));
  return Object.freeze(secret);
}

export function snapshotOf(fetched: FetchedSecret, expiresAt: number | undefined): SecretSnapshot {
  const snapshot: SecretSnapshot = {
    data: fetched.data,
    leaseId: fetched.lease?.id,
    version: fetched.version,
    expiresAt,
  };
  hideFromInspection(snapshot, () => ({ ...snapshot, data: maskValues(snapshot.data) }));
  return snapshot;
}
