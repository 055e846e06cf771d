import { base62, uuid } from '../core/ids';

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
}

export type NewToken = Omit<TokenEntry, 'accessor' | 'lastRenewal' | 'entityId'> & { entityId?: string };

/** Tokens by id and accessor. Expiry is enforced by `sweep`, which the mock runs before each request. */
export class TokenStore {
  readonly #byId = new Map<string, TokenEntry>();
  readonly #byAccessor = new Map<string, TokenEntry>();

  create(token: NewToken): TokenEntry {
    const entry: TokenEntry = {
      ...token,
      entityId: token.entityId ?? '',
      accessor: base62(24),
      lastRenewal: null,
    };
    this.#byId.set(entry.id, entry);
    this.#byAccessor.set(entry.accessor, entry);
    return entry;
  }

  get(id: string): TokenEntry | undefined {
    return this.#byId.get(id);
  }

  byAccessor(accessor: string): TokenEntry | undefined {
    return this.#byAccessor.get(accessor);
  }

  delete(id: string): TokenEntry | undefined {
    const entry = this.#byId.get(id);
    if (!entry) return undefined;
    this.#byId.delete(id);
    this.#byAccessor.delete(entry.accessor);
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

  all(): TokenEntry[] {
    return [...this.#byId.values()];
  }

  clear(): void {
    this.#byId.clear();
    this.#byAccessor.clear();
  }
}

export const newEntityId = uuid;
