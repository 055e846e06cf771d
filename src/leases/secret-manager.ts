import type { TokenState } from '../auth/token-state';
import { SecretCache } from '../cache/secret-cache';
import { encodeVaultPath } from '../http/vault-path';
import type { LoginReason } from '../types/events';
import type { Secret, SecretListener, SecretOptions, Subscription } from '../types/secret';
import type { StandardSchemaV1 } from '../types/standard-schema';
import { ManagedSecret, type SecretContext } from './managed-secret';

/**
 * The registry of managed secrets: the cache, single flight per secret, watches, and what a
 * new login means for leases (they die with the token that created them, so each is fetched
 * again under the new one).
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

  /** The hot path: a cached, still-valid secret is returned with no allocation and no I/O. */
  get<T>(path: string, options: SecretOptions<StandardSchemaV1 | undefined> = {}): Promise<Secret<T>> {
    let entry: ManagedSecret;
    try {
      entry = this.#entry(path, options.body);
      const hit = entry.cached<T>(options.schema);
      if (hit) return Promise.resolve(hit);
    } catch (error) {
      // A bad path, or a schema that rejects the cached data: an async API reports it as a rejection.
      return Promise.reject(error);
    }
    return entry.load<T>(options.schema, options);
  }

  watch<T>(
    path: string,
    listener: SecretListener<T>,
    options: SecretOptions<StandardSchemaV1 | undefined> = {},
  ): Subscription<T> {
    const entry = this.#entry(path, options.body);
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
    const entry = this.#entry(path, options.body);
    await entry.refresh('manual', options);
    return entry.load<T>(options.schema, options);
  }

  invalidate(path: string, options: { body?: Record<string, unknown> } = {}): boolean {
    const key = keyOf(path, options.body);
    const entry = this.#cache.get(key);
    if (!entry) return false;
    this.#cache.delete(key);
    entry.dispose();
    return true;
  }

  /** After a login that replaced the token: leases of the old token die with it, so fetch each anew. */
  onNewToken(previous: TokenState | undefined, reason: LoginReason): void {
    if (reason === 'initial' || !previous) return;
    const leased = this.#cache.values().filter((entry) => entry.hasLease());
    // A revoked or expired token took its leases along: they must not be served any more.
    if (reason === 'invalid-token' || reason === 'expired') for (const entry of leased) entry.markDead();
    // A replaced token still lives until its own end, and its leases exactly as long. Each secret
    // is fetched anew and, where that fails, retried with backoff (never served past that end).
    const tokenEndsAt = reason === 'max-ttl' ? previous.expiresAt : undefined;
    void Promise.all(leased.map((entry) => entry.replaceAfterLogin(tokenEndsAt))).then((replaced) => {
      // Once everything runs on the new token's leases, the old token (and its leases) can go.
      if (reason === 'max-ttl' && replaced.every(Boolean)) {
        this.retireToken(previous, this.ctx.options.secrets.graceMs);
      }
    });
  }

  /** Stops every secret's timers; with `revoke`, revokes every lease still held. */
  async close(revoke: boolean): Promise<void> {
    const entries = this.#cache.values();
    for (const entry of entries) entry.dispose();
    this.ctx.timers.cancelMatching('revoke:');
    if (!revoke) return;
    const leaseIds = entries.map((entry) => entry.leaseId()).filter((id): id is string => id !== undefined);
    await Promise.all(leaseIds.map((id) => this.ctx.revokeLease(id)));
  }

  #entry(path: string, body: Record<string, unknown> | undefined): ManagedSecret {
    const key = keyOf(path, body);
    let entry = this.#cache.get(key);
    if (!entry) {
      // Checked once, before anything (a login included) is sent for it.
      encodeVaultPath(path);
      entry = new ManagedSecret(this.ctx, key, path, body);
      this.#cache.set(key, entry);
    }
    return entry;
  }
}

function keyOf(path: string, body: Record<string, unknown> | undefined): string {
  return body ? `${path} ${JSON.stringify(body)}` : path;
}
