import { type InspectOptions, inspect } from 'node:util';
import { hideFromInspection, maskValues } from '../internal/redact';
import type { SecretSnapshot } from '../types/events';
import type { LeaseInfo } from '../types/requests';
import type { Secret } from '../types/secret';
import type { FetchedSecret } from './secret-shape';

/**
 * A managed secret as the app holds it: its fields are the secret, frozen; printing it (or
 * JSON.stringify) shows the keys with the values masked. A class, so that the masking lives once
 * on the prototype rather than as closures on each of ten thousand cached secrets.
 */
class SecretView<T> implements Secret<T> {
  readonly path: string;
  readonly kind: Secret<T>['kind'];
  readonly data: T;
  readonly version: number | undefined;
  readonly metadata: Readonly<Record<string, unknown>> | undefined;
  readonly lease: LeaseInfo | undefined;
  readonly expiresAt: number | undefined;
  readonly fetchedAt: number;

  constructor(path: string, fetched: FetchedSecret, data: T, expiresAt: number | undefined) {
    const lease = fetched.lease;
    this.path = path;
    this.kind = fetched.kind;
    this.data = data;
    this.version = fetched.version;
    this.metadata = fetched.metadata;
    this.lease = lease
      ? {
          id: lease.id,
          ttlMs: lease.ttlMs,
          renewable: lease.renewable,
          expiresAt: expiresAt ?? fetched.fetchedAt + lease.ttlMs,
        }
      : undefined;
    this.expiresAt = expiresAt;
    this.fetchedAt = fetched.fetchedAt;
    Object.freeze(this);
  }

  toJSON(): unknown {
    return { ...this, data: maskValues(this.data) };
  }

  [inspect.custom](_depth: number, options: InspectOptions): string {
    return inspect(this.toJSON(), options);
  }
}

/** The app's view of a value: `expiresAt` is epoch ms of its end (renewals move it), if it has one. */
export function toSecret<T>(
  path: string,
  fetched: FetchedSecret,
  data: T,
  expiresAt: number | undefined,
): Secret<T> {
  return new SecretView(path, fetched, data, expiresAt);
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
