import type { LeaseEntry } from '../store/leases';
import type { TokenEntry } from '../store/tokens';
import type { Route } from './routes';
import type { BackendRequest, MountInfo } from './types';

/** A secrets engine or auth method mounted at a path, the unit Vault's router dispatches to. */
export interface Backend {
  readonly routes: readonly Route[];
  /** Paths inside the mount that need no token (an auth method's `login`); a trailing `*` makes a prefix. */
  readonly unauthenticated?: readonly string[];
  /** Renews a lease this backend created; returns the new TTL in seconds and any warnings. */
  renewLease?(lease: LeaseEntry, increment: number, req: BackendRequest): { ttl: number; warnings: string[] };
  /** Called when a lease ends (revoked, expired, or its token died): a database drops the user. */
  revokeLease?(lease: LeaseEntry): void;
  /**
   * An auth method's view of a token renewal: its current role's TTLs (Vault re-reads the role),
   * or null when it declines without an error (Vault then answers 204 and extends nothing).
   */
  renewToken?(token: TokenEntry, mount: MountInfo): { ttl: number; maxTtl: number; period: number } | null;
}
