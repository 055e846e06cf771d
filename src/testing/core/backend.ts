import type { LeaseEntry } from '../store/leases';
import type { TokenEntry } from '../store/tokens';
import type { AnyRoute, DeclaredRoute } from './routes';
import type { BackendRequest, MountInfo } from './types';

/**
 * A secrets engine or auth method mounted at a path: the unit Vault's router dispatches to.
 * This is also what a user's own engine returns (see `MockEngine`).
 */
export interface MockBackend {
  /** The paths the backend serves, tried in order; build them with `defineRoute`. */
  readonly routes: readonly DeclaredRoute[];
  /** Paths inside the mount that need no token, such as an auth method's `login`. */
  readonly unauthenticated?: readonly string[] | undefined;
  /**
   * Paths inside the mount that need `sudo` on top of their capability (Vault's
   * PathsSpecial.Root): exact paths, or prefixes ending in `*`.
   */
  readonly rootPaths?: readonly string[] | undefined;
  /**
   * Renews a lease this backend created; returns the new TTL in seconds and any warnings. A
   * promise when the backend must reach an outside system first (a database's VALID UNTIL).
   */
  renewLease?(
    lease: LeaseEntry,
    increment: number,
    req: BackendRequest,
  ): { ttl: number; warnings: string[] } | Promise<{ ttl: number; warnings: string[] }>;
  /**
   * Called when a lease ends (revoked, expired, or its token died): a database drops the user.
   * A returned promise must never reject (the backend records its own failures); the core
   * tracks it so that a synchronous revoke and the mock's close() can wait for it.
   */
  revokeLease?(lease: LeaseEntry): void | Promise<void>;
  /** Releases what the backend holds outside the process (database connections) on unmount or close. */
  dispose?(): Promise<void>;
  /**
   * An auth method's view of a token renewal: its current role's TTLs (Vault re-reads the role),
   * or null when it declines without an error (Vault then answers 204 and extends nothing).
   */
  renewToken?(token: TokenEntry, mount: MountInfo): { ttl: number; maxTtl: number; period: number } | null;
}

/** The mock's own backends may still carry routes of the older, undeclared shape. */
export interface Backend extends Omit<MockBackend, 'routes'> {
  readonly routes: readonly AnyRoute[];
}
