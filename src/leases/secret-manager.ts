import type { NewToken } from '../auth/token-manager';
import type { TokenState } from '../auth/token-state';
import { SecretCache } from '../cache/secret-cache';
import { InvalidRequestError } from '../errors';
import { encodeVaultPath } from '../http/vault-path';
import type { Secret, SecretListener, SecretOptions, Subscription } from '../types/secret';
import type { StandardSchemaV1 } from '../types/standard-schema';
import { ManagedSecret, type SecretContext } from './managed-secret';

/** What names one managed secret: the namespace it is read in, its path, and the body of a POST read. */
export interface SecretIdentity {
  namespace?: string | undefined;
  body?: Record<string, unknown> | undefined;
}

/** `secret(path)` without options: one shared, empty identity rather than an object per call. */
const NO_OPTIONS: SecretIdentity = Object.freeze({});

/**
 * The registry of managed secrets: the cache, single flight per secret, watches, and what a
 * new login means for leases (they die with the token that created them, so each is fetched
 * again under the new one). A secret's identity is (namespace, path, body) everywhere: the
 * cache, rotate, watch, invalidate, current and the events.
 */
export class SecretManager {
  readonly #cache: SecretCache<ManagedSecret>;
  constructor(
    private readonly ctx: SecretContext,
    private readonly retireToken: (token: TokenState, afterMs: number) => void,
  ) {
    this.#cache = new SecretCache<ManagedSecret>(ctx.options.secrets.maxEntries, (_key, entry) =>
      entry.dispose(),
    );
  }

  /** Secrets held now (for the `vault.client.secrets.cached` gauge). */
  get size(): number {
    return this.#cache.values().length;
  }

  /**
   * The hot path: a cached, still-valid secret is returned with no allocation and no I/O. A miss
   * goes through `around` (which keeps the process alive while it is awaited).
   */
  get<T>(
    path: string,
    options: SecretOptions<StandardSchemaV1 | undefined> | undefined,
    around: <R>(work: Promise<R>) => Promise<R> = (work) => work,
  ): Promise<Secret<T>> {
    let entry: ManagedSecret;
    try {
      entry = this.#entry(path, options ?? NO_OPTIONS);
      const hit = entry.cached<T>(options?.schema);
      if (hit) return Promise.resolve(hit);
    } catch (error) {
      // A bad path, or a schema that rejects the cached data: an async API reports it as a rejection.
      return Promise.reject(error);
    }
    return around(entry.load<T>(options?.schema, options));
  }

  /** The current value, synchronously, if one is cached and still valid; never any I/O. */
  current<T>(path: string, options?: SecretOptions<StandardSchemaV1 | undefined>): Secret<T> | undefined {
    // The hottest path there is: a bare path is its own key (see #key), no object is made.
    const key =
      options === undefined && typeof path === 'string' && path.charCodeAt(0) !== 0
        ? path
        : this.#key(path, options ?? {});
    return this.#cache.get(key)?.cached<T>(options?.schema);
  }

  watch<T>(
    path: string,
    listener: SecretListener<T>,
    options: SecretOptions<StandardSchemaV1 | undefined> = {},
  ): Subscription<T> {
    const entry = this.#entry(path, options);
    this.#cache.pin(entry.key);
    const { stop, ready } = entry.watch(listener, options.schema);
    let stopped = false;
    const unsubscribe = () => {
      if (stopped) return;
      stopped = true;
      stop();
      if (!entry.watched) this.#cache.unpin(entry.key);
    };
    return Object.assign(unsubscribe, { ready });
  }

  async rotate<T>(
    path: string,
    options: SecretOptions<StandardSchemaV1 | undefined> = {},
  ): Promise<Secret<T>> {
    return this.#entry(path, options).rotate<T>(options.schema, options);
  }

  invalidate(path: string, options: SecretIdentity = {}): boolean {
    const key = this.#key(path, options);
    const entry = this.#cache.get(key);
    if (!entry) return false;
    this.#cache.delete(key);
    entry.dispose();
    return true;
  }

  /**
   * After a login that replaced the token: leases of the old token die with it, so each secret is
   * fetched anew under the new one (retried with backoff where that fails, never served past the
   * old token's end). Once all have moved and their listeners drained, the old token can go.
   */
  onNewToken(change: NewToken): void {
    const { previous, reason } = change;
    if (reason === 'initial' || !previous) return;
    const entries = this.#cache.values();
    const { time, options } = this.ctx;
    void Promise.all(entries.map((entry) => entry.tokenReplaced(change.previousEndsAt))).then((moved) => {
      if (reason !== 'max-ttl' || !moved.every(Boolean)) return;
      const landedAt = Math.max(0, ...entries.map((entry) => entry.reloginLandedAt ?? 0));
      // Revoked at max(handover + grace, drained): the listeners have drained by now.
      const afterMs = Math.max(0, landedAt + options.secrets.graceMs - time.now());
      this.retireToken(previous, afterMs);
    });
  }

  /** Ends every secret's upkeep; returns the leases still held, for a close that revokes. */
  stop(): string[] {
    const entries = this.#cache.values();
    const held = entries.map((entry) => entry.leaseId()).filter((id): id is string => id !== undefined);
    for (const entry of entries) entry.dispose();
    this.ctx.timers.cancelMatching('revoke:');
    this.ctx.timers.cancelMatching('drain:');
    return held;
  }

  #entry(path: string, identity: SecretIdentity): ManagedSecret {
    const key = this.#key(path, identity);
    let entry = this.#cache.get(key);
    if (!entry) {
      // Checked once, before anything (a login included) is sent for it.
      encodeVaultPath(path);
      entry = new ManagedSecret(this.ctx, key, path, identity.body, this.#namespace(identity));
      this.#cache.set(key, entry);
    }
    return entry;
  }

  /** The namespace to send, when it differs from the client's own (which every call carries anyway). */
  #namespace(identity: SecretIdentity): string | undefined {
    const ns = identity.namespace;
    return ns === undefined || ns === this.ctx.options.namespace ? undefined : ns;
  }

  #key(path: string, identity: SecretIdentity): string {
    // Not a string: the path check's typed error, not a TypeError from reading it.
    if (typeof path !== 'string') encodeVaultPath(path);
    const ns = this.#namespace(identity);
    // A bare path is its own key (the hot path allocates nothing); every other identity is NUL
    // and JSON, which a bare key can only equal if it starts with NUL: those take the JSON form too.
    if (identity.body === undefined && ns === undefined && path.charCodeAt(0) !== 0) return path;
    try {
      return `\u0000${JSON.stringify([ns ?? null, path, identity.body ?? null])}`;
    } catch {
      throw new InvalidRequestError(
        `the body for ${path} cannot be sent as JSON (a BigInt, a cycle or a value that refuses it): pass plain JSON values`,
      );
    }
  }
}
