import { hideFromInspection, maskValues } from '../internal/redact';
import type { SecretSnapshot } from '../types/events';
import type { Secret } from '../types/secret';
import type { FetchedSecret } from './secret-shape';

export function toSecret<T>(
  path: string,
  fetched: FetchedSecret,
  data: T,
  leaseExpiresAt: number | undefined,
): Secret<T> {
  const secret: Secret<T> = {
    path,
    kind: fetched.kind,
    data,
    version: fetched.version,
    metadata: fetched.metadata,
    lease: fetched.lease
      ? {
          id: fetched.lease.id,
          ttlMs: fetched.lease.ttlMs,
          renewable: fetched.lease.renewable,
          expiresAt: leaseExpiresAt ?? fetched.fetchedAt + fetched.lease.ttlMs,
        }
      : undefined,
    // A renewal moves the end of a lease; the value is good until the current end.
    expiresAt: leaseExpiresAt ?? fetched.expiresAt,
    fetchedAt: fetched.fetchedAt,
  };
  hideFromInspection(secret, () => ({ ...secret, data: maskValues(secret.data) }));
  return Object.freeze(secret);
}

export function snapshotOf(fetched: FetchedSecret): SecretSnapshot {
  const snapshot: SecretSnapshot = {
    data: fetched.data,
    leaseId: fetched.lease?.id,
    version: fetched.version,
    expiresAt: fetched.expiresAt,
  };
  hideFromInspection(snapshot, () => ({ ...snapshot, data: maskValues(snapshot.data) }));
  return snapshot;
}
