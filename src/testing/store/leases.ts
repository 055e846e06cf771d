import { base62 } from '../core/ids';

export interface LeaseEntry {
  readonly id: string;
  /** The namespace of the mount that issued it (`root` outside Vault Enterprise namespaces). */
  readonly namespaceId: string;
  /** The request path that created it: `database/creds/app`. */
  readonly path: string;
  readonly mountPath: string;
  readonly issuedAt: number;
  expiresAt: number;
  lastRenewal: number | null;
  readonly renewable: boolean;
  /** The token the lease was created with: when that token dies, so does the lease. */
  readonly tokenId: string;
  readonly tokenAccessor: string;
  readonly internal: Record<string, unknown>;
}

export type NewLease = Omit<LeaseEntry, 'id' | 'lastRenewal' | 'namespaceId'> & { namespaceId?: string };

export class LeaseStore {
  readonly #leases = new Map<string, LeaseEntry>();

  create(lease: NewLease): LeaseEntry {
    // Vault's lease ids are the request path plus a random base62 suffix, and the namespace id
    // outside the root namespace.
    const namespaceId = lease.namespaceId ?? 'root';
    const suffix = namespaceId === 'root' ? '' : `.${namespaceId}`;
    const entry: LeaseEntry = {
      ...lease,
      namespaceId,
      id: `${lease.path}/${base62(24)}${suffix}`,
      lastRenewal: null,
    };
    this.#leases.set(entry.id, entry);
    return entry;
  }

  get(id: string): LeaseEntry | undefined {
    return this.#leases.get(id);
  }

  delete(id: string): LeaseEntry | undefined {
    const entry = this.#leases.get(id);
    if (entry) this.#leases.delete(id);
    return entry;
  }

  byToken(tokenId: string): LeaseEntry[] {
    return [...this.#leases.values()].filter((lease) => lease.tokenId === tokenId);
  }

  byPrefix(prefix: string): LeaseEntry[] {
    return [...this.#leases.values()].filter((lease) => lease.id.startsWith(prefix));
  }

  expiredAt(now: number): LeaseEntry[] {
    return [...this.#leases.values()].filter((lease) => lease.expiresAt <= now);
  }

  all(): LeaseEntry[] {
    return [...this.#leases.values()];
  }
}
