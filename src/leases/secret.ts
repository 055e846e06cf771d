import type { z } from 'zod';
import type { RotationReason, SecretSnapshot } from '../events';
import { hideFromInspection, maskValues } from '../internal/redact';
import type { CallOptions } from '../options';
import type { LeaseInfo } from '../types';
import type { FetchedSecret, SecretKind } from './secret-shape';

/**
 * A managed secret as the app holds it. `data` is the secret itself; printing the object (or
 * JSON.stringify) shows its keys with the values masked, so it cannot end up in a log by accident.
 */
export interface Secret<T = Record<string, unknown>> {
  readonly path: string;
  readonly kind: SecretKind;
  readonly data: T;
  /** KV v2: the version read, and its metadata. */
  readonly version: number | undefined;
  readonly metadata: Readonly<Record<string, unknown>> | undefined;
  readonly lease: LeaseInfo | undefined;
  /** When the value stops being usable (lease end, certificate expiry, static rotation), if it does. */
  readonly expiresAt: number | undefined;
  readonly fetchedAt: number;
}

export interface SecretOptions<S extends z.ZodType | undefined = undefined> extends CallOptions {
  /** A zod schema for the data: types the result and checks it at every fetch. */
  schema?: S;
  /** A body makes the read a POST (`pki/issue/web` takes `{ common_name }`). */
  body?: Record<string, unknown>;
}

export type SecretListener<T> = (
  secret: Secret<T>,
  change: SecretChange<T> | undefined,
) => void | Promise<void>;

/** Stops a watch when called; `ready` settles with the first value delivered (or the first failure). */
export interface Subscription<T> {
  (): void;
  readonly ready: Promise<Secret<T>>;
}

export interface SecretChange<T> {
  previous: Secret<T>;
  reason: RotationReason;
}

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
