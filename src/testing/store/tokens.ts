import { createHmac, randomBytes } from 'node:crypto';
import { base62 } from '../core/ids';

export interface TokenEntry {
  readonly id: string;
  /** The namespace the token belongs to (`root` outside Vault Enterprise namespaces). */
  readonly namespaceId: string;
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
  /** The id of the token that created it; '' for an orphan (logins, create-orphan, root). */
  parent: string;
  /**
   * Uses left; 0 means unlimited. -1 while the request that took the last use runs: the token
   * is then invisible to lookups and revoked when that request ends (token_store.go UseToken).
   */
  numUses: number;
  readonly role: string;
  /** Address blocks the token may be used from; empty or absent means anywhere. */
  readonly boundCidrs?: readonly string[];
}

export type NewToken = Omit<TokenEntry, 'accessor' | 'lastRenewal' | 'entityId' | 'namespaceId'> & {
  entityId?: string;
  namespaceId?: string;
};

/** The use count of a token whose last use is being spent (token_store.go tokenRevocationPending). */
export const REVOCATION_PENDING = -1;

/**
 * Tokens by id and accessor, and each token's children, for revoking a tree. Expiry is enforced
 * by `sweep`, which the mock runs before each request.
 */
export class TokenStore {
  readonly #byId = new Map<string, TokenEntry>();
  readonly #byAccessor = new Map<string, TokenEntry>();
  readonly #children = new Map<string, Set<string>>();
  readonly #salt = randomBytes(32);

  create(token: NewToken): TokenEntry {
    const namespaceId = token.namespaceId ?? 'root';
    // Outside the root namespace, Vault suffixes accessors (and generated ids) with the namespace id.
    const suffix = namespaceId === 'root' ? '' : `.${namespaceId}`;
    const entry: TokenEntry = {
      ...token,
      namespaceId,
      entityId: token.entityId ?? '',
      // Batch tokens have no accessor in Vault: they are not stored, so nothing can look them up.
      accessor: token.type === 'batch' ? '' : `${base62(24)}${suffix}`,
      lastRenewal: null,
    };
    this.#byId.set(entry.id, entry);
    if (entry.accessor) this.#byAccessor.set(entry.accessor, entry);
    if (entry.parent !== '') this.#childrenOf(entry.parent).add(entry.id);
    return entry;
  }

  /** The token, unless it is gone or its last use is being spent (Vault's Lookup). */
  get(id: string): TokenEntry | undefined {
    const entry = this.#byId.get(id);
    return entry?.numUses === REVOCATION_PENDING ? undefined : entry;
  }

  /** The token even while its last use is being spent (lookupInternal with tainted set). */
  getTainted(id: string): TokenEntry | undefined {
    return this.#byId.get(id);
  }

  /**
   * UseToken: spends one use of a limited token. True when that was the last one: the caller
   * lets the request finish, then revokes the token.
   */
  use(token: TokenEntry): boolean {
    if (token.numUses <= 0) return false;
    if (token.numUses === 1) {
      token.numUses = REVOCATION_PENDING;
      return true;
    }
    token.numUses--;
    return false;
  }

  /** The ids of the tokens this one created and that are still there. */
  children(id: string): string[] {
    return [...(this.#children.get(id) ?? [])].filter((child) => this.#byId.has(child));
  }

  /** Makes a token an orphan: its parent is being revoked without it (revoke-orphan). */
  orphan(token: TokenEntry): void {
    this.#children.get(token.parent)?.delete(token.id);
    token.parent = '';
  }

  #childrenOf(id: string): Set<string> {
    let children = this.#children.get(id);
    if (!children) {
      children = new Set();
      this.#children.set(id, children);
    }
    return children;
  }

  byAccessor(accessor: string): TokenEntry | undefined {
    const entry = accessor ? this.#byAccessor.get(accessor) : undefined;
    return entry?.numUses === REVOCATION_PENDING ? undefined : entry;
  }

  delete(id: string): TokenEntry | undefined {
    const entry = this.#byId.get(id);
    if (!entry) return undefined;
    this.#byId.delete(id);
    if (entry.accessor) this.#byAccessor.delete(entry.accessor);
    this.#children.get(entry.parent)?.delete(id);
    return entry;
  }

  /** Tokens whose time is up at `now`; the caller revokes them, with their children and leases. */
  expiredAt(now: number): TokenEntry[] {
    return [...this.#byId.values()].filter((entry) => entry.expiresAt !== null && entry.expiresAt <= now);
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
    this.#children.clear();
  }
}
