import { randomUUID } from 'node:crypto';

/** A secret ID as the backend stores it (validation.go secretIDStorageEntry). */
export interface SecretIdEntry {
  accessor: string;
  /** Logins left; 0 means unlimited. */
  numUses: number;
  /** As requested (seconds); 0 means the secret ID never expires. */
  ttl: number;
  creationTime: number;
  /** 0 when the secret ID never expires. */
  expirationTime: number;
  lastUpdatedTime: number;
  metadata: Record<string, string>;
  /** Go's nil slice when none were given: reads back as null. */
  cidrList: string[] | null;
  tokenBoundCidrs: string[];
}

/** Vault's rollback manager calls each backend's periodic function once a minute. */
export const TIDY_PERIOD_MS = 60_000;

/**
 * The secret IDs of one AppRole mount. Vault keys them by role and by the secret ID's HMAC; the
 * mock keeps the values themselves, in memory only, and never shows them again after issuing.
 *
 * Expiry is Vault's: a login does not look at a secret ID's expiration time. The backend's
 * periodic tidy deletes expired secret IDs, once a minute (counted here from the mount's
 * creation on the mock's clock), or when `tidy/secret-id` is called. Until then an expired
 * secret ID still logs in, as it does on a real Vault.
 */
export class SecretIdStore {
  readonly #byRole = new Map<string, Map<string, SecretIdEntry>>();
  readonly #accessors = new Map<string, { role: string; secretId: string }>();
  #tidiedAt: number;

  constructor(private readonly mountedAt: number) {
    this.#tidiedAt = mountedAt;
  }

  /** registerSecretIDEntry: refuses a value already in use for the role; the TTL is derived from the mount's. */
  register(
    role: string,
    secretId: string,
    entry: Omit<SecretIdEntry, 'accessor' | 'creationTime' | 'expirationTime' | 'lastUpdatedTime'>,
    now: number,
    effectiveTtl: number,
  ): SecretIdEntry {
    const ids = this.#ids(role);
    if (ids.has(secretId)) throw new Error('SecretID is already registered');
    const stored: SecretIdEntry = {
      ...entry,
      accessor: randomUUID(),
      creationTime: now,
      lastUpdatedTime: now,
      expirationTime: effectiveTtl !== 0 ? now + effectiveTtl * 1000 : 0,
    };
    ids.set(secretId, stored);
    this.#accessors.set(stored.accessor, { role, secretId });
    return stored;
  }

  #ids(role: string): Map<string, SecretIdEntry> {
    let ids = this.#byRole.get(role);
    if (!ids) {
      ids = new Map();
      this.#byRole.set(role, ids);
    }
    return ids;
  }

  get(role: string, secretId: string): SecretIdEntry | undefined {
    return this.#byRole.get(role)?.get(secretId);
  }

  /** The secret ID an accessor names, if it belongs to this role (accessors are global, entries per role). */
  byAccessor(role: string, accessor: string): { known: boolean; secretId?: string; entry?: SecretIdEntry } {
    const found = this.#accessors.get(accessor);
    if (!found) return { known: false };
    const entry = found.role === role ? this.get(role, found.secretId) : undefined;
    return entry ? { known: true, secretId: found.secretId, entry } : { known: true };
  }

  delete(role: string, secretId: string): void {
    const entry = this.get(role, secretId);
    if (!entry) return;
    this.#byRole.get(role)?.delete(secretId);
    this.#accessors.delete(entry.accessor);
  }

  /** pathRoleSecretIDList: the accessors, never the secret IDs. */
  accessorsOf(role: string): string[] {
    return [...(this.#byRole.get(role)?.values() ?? [])].map((entry) => entry.accessor).sort();
  }

  /** flushRoleSecrets, when a role is deleted. */
  flush(role: string): void {
    for (const secretId of [...(this.#byRole.get(role)?.keys() ?? [])]) this.delete(role, secretId);
    this.#byRole.delete(role);
  }

  /** Catches up with the periodic tidies due by `now` (see the class comment). */
  catchUp(now: number): void {
    const ticks = Math.floor((now - this.mountedAt) / TIDY_PERIOD_MS);
    this.tidy(Math.max(this.#tidiedAt, this.mountedAt + ticks * TIDY_PERIOD_MS));
  }

  /** tidySecretIDinternal: deletes what had expired at `at`. */
  tidy(at: number): void {
    this.#tidiedAt = Math.max(this.#tidiedAt, at);
    for (const [role, ids] of this.#byRole) {
      for (const [secretId, entry] of ids) {
        if (entry.expirationTime !== 0 && at > entry.expirationTime) this.delete(role, secretId);
      }
    }
  }
}

/** Go's time.Time in JSON (RFC 3339 with nanoseconds, trailing zeros dropped); zero time for 0. */
export function goTime(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

/** secretIDStorageEntry.ToResponseData: what a lookup shows. */
export function secretIdView(entry: SecretIdEntry): Record<string, unknown> {
  return {
    secret_id_accessor: entry.accessor,
    secret_id_num_uses: entry.numUses,
    secret_id_ttl: entry.ttl,
    creation_time: goTime(entry.creationTime),
    expiration_time: goTime(entry.expirationTime),
    last_updated_time: goTime(entry.lastUpdatedTime),
    metadata: { ...entry.metadata },
    cidr_list: entry.cidrList,
    token_bound_cidrs: [...entry.tokenBoundCidrs],
  };
}
