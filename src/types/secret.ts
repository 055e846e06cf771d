import type { RotationReason } from './events';
import type { CallOptions, LeaseInfo } from './requests';
import type { DataOf, StandardSchemaV1 } from './standard-schema';

/**
 * How a secret stays current, decided from its path and Vault's answer: a lease to renew, a KV
 * version to poll, a certificate to re-issue, a static credential that Vault rotates on a schedule.
 */
export type SecretKind = 'leased' | 'kv-v2' | 'kv' | 'certificate' | 'static-credentials';

/**
 * A managed secret as the app holds it. `data` is the secret itself; printing the object (or
 * `JSON.stringify`) shows its keys with the values masked, so it cannot end up in a log by accident.
 */
export interface Secret<T = Record<string, unknown>> {
  readonly path: string;
  readonly kind: SecretKind;
  readonly data: T;
  /** KV v2: the version read. */
  readonly version: number | undefined;
  /** KV v2: the version's metadata. */
  readonly metadata: Readonly<Record<string, unknown>> | undefined;
  readonly lease: LeaseInfo | undefined;
  /** When the value stops being usable (lease end, certificate expiry, static rotation), if it does. */
  readonly expiresAt: number | undefined;
  /** Epoch ms on the client's clock. */
  readonly fetchedAt: number;
}

/** Options of `secret()`, `watch()` and `rotate()`. */
export interface SecretOptions<S extends StandardSchemaV1 | undefined = undefined> extends CallOptions {
  /**
   * Any Standard Schema (zod, valibot, arktype, ...) for the data: types the result by the schema's
   * output and checks it at every fetch. Managed secrets validate synchronously: a schema with
   * async checks is refused with an `InvalidRequestError`.
   */
  schema?: S;
  /** A body makes the read a POST (`pki/issue/web` takes `{ common_name }`). */
  body?: Record<string, unknown> | undefined;
}

/** What changed, for every value after the first. */
export interface SecretChange<T> {
  previous: Secret<T>;
  reason: RotationReason;
}

/**
 * Called with the current value, then with every new one. A returned promise is awaited before
 * the old lease is revoked (up to `secrets.drainMs`), so a pool can drain on the old credentials.
 */
export type SecretListener<T> = (
  secret: Secret<T>,
  change: SecretChange<T> | undefined,
) => void | Promise<void>;

/** Stops a watch when called; `ready` settles with the first value delivered (or the first failure). */
export interface Subscription<T> {
  (): void;
  readonly ready: Promise<Secret<T>>;
}

/** The options every secret source understands: a schema, and a signal for the caller's wait. */
export interface SecretSourceOptions<S extends StandardSchemaV1 | undefined = undefined> {
  schema?: S;
  signal?: AbortSignal | undefined;
}

/**
 * Anything that hands out secrets and tells about new values: the client itself, or another
 * source with the same semantics (the Agent Injector's files). Connection-pool adapters take one.
 *
 * @example
 * ```ts
 * function usePool(source: SecretSource) {
 *   return source.watch('database/creds/app', (secret) => pool.swap(secret.data));
 * }
 * ```
 */
export interface SecretSource {
  /** The current value of a secret. */
  secret<S extends StandardSchemaV1 | undefined = undefined>(
    path: string,
    options?: SecretSourceOptions<S>,
  ): Promise<Secret<DataOf<S>>>;
  /** The current value now and every new value after, until the subscription is called. */
  watch<S extends StandardSchemaV1 | undefined = undefined>(
    path: string,
    listener: SecretListener<DataOf<S>>,
    options?: SecretSourceOptions<S>,
  ): Subscription<DataOf<S>>;
}
