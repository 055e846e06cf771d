import { createHmac, randomBytes } from 'node:crypto';
import { base62 } from '../core/ids';

export interface TokenEntry {
  readonly id: string;
  readonly accessor: string;
  readonly policies: string[];
  readonly meta: Record<string, string> | null;
  /** The login path that created it, e.g. `auth/kubernetes/login`. */
  readonly path: string;
  readonly mountPath: string;
  readonly displayName: string;
  readonly entityId: string;
  readonly issuedAt: number;
  readonly creationTtl: number;
  readonly explicitMaxTtl: number;
  readonly maxTtl: number;
  period: number;
  /** Epoch ms; null for a token that never expires (root). */
  expiresAt: number | null;
  lastRenewal: number | null;
  readonly renewable: boolean;
  readonly type: 'service' | 'batch';
  readonly orphan: boolean;
  numUses: number;
  readonly role: string;
  /** Address blocks the token may be used from; empty or absent means anywhere. */
  readonly boundCidrs?: readonly string[];
}

export type NewToken = Omit<TokenEntry, 'accessor' | 'lastRenewal' | 'entityId'> & { entityId?: string };

/** Tokens by id and accessor. Expiry is enforced by `sweep`, which the mock runs before each request. */
export class TokenStore {
  readonly #byId = new Map<string, TokenEntry>();
  readonly #byAccessor = new Map<string, TokenEntry>();
  readonly #salt = randomBytes(32);

  create(token: NewToken): TokenEntry {
    const entry: TokenEntry = {
      ...token,
      entityId: token.entityId ?? '',
      // Batch tokens have no accessor in Vault: they are not stored, so nothing can look them up.
      accessor: token.type === 'batch' ? '' : base62(24),
      lastRenewal: null,
    };
    this.#byId.set(entry.id, entry);
    if (entry.accessor) this.#byAccessor.set(entry.accessor, entry);
    return entry;
  }

  get(id: string): TokenEntry | undefined {
    return this.#byId.get(id);
  }

  byAccessor(accessor: string): TokenEntry | undefined {
    return accessor ? this.#byAccessor.get(accessor) : undefined;
  }

  delete(id: string): TokenEntry | undefined {
    const entry = this.#byId.get(id);
    if (!entry) return undefined;
    this.#byId.delete(id);
    if (entry.accessor) this.#byAccessor.delete(entry.accessor);
    return entry;
  }

  /** Tokens whose time is up at `now`, removed from the store and returned so their leases can die. */
  sweep(now: number): TokenEntry[] {
    const expired: TokenEntry[] = [];
    for (const entry of this.#byId.values()) {
      if (entry.expiresAt !== null && entry.expiresAt <= now) expired.push(entry);
    }
    for (const entry of expired) this.delete(entry.id);
    return expired;
  }

  /**
   * The id of the lease Vault's expiration manager keeps for a service token: its creation path
   * and `h` + the salted HMAC-SHA256 of the token. Root and batch tokens have none.
   */
  leaseId(token: TokenEntry): string | undefined {
    if (token.type === 'batch' || token.expiresAt === null) return undefined;
    return `${token.path}/h${createHmac('sha256', this.#salt).update(token.id).digest('hex')}`;
  }

  byLeaseId(leaseId: string): TokenEntry | undefined {
    if (!leaseId.startsWith('auth/')) return undefined;
    return this.all().find((token) => this.leaseId(token) === leaseId);
  }

  all(): TokenEntry[] {
    return [...this.#byId.values()];
  }

  clear(): void {
    this.#byId.clear();
    this.#byAccessor.clear();
  }
}
