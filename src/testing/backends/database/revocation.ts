import type { LeaseEntry } from '../../store/leases';
import type { DatabaseState } from './state';

/**
 * Vault's expiration manager retries a revocation that failed: six attempts in all, the n-th
 * retry `(1 << n) * 10 s` after the failure before it (Vault spreads each by ±50%; the mock keeps
 * the middle so tests know when), after which the lease is irrevocable and only an operator's
 * force-revoke ends it.
 */
export const MAX_REVOKE_ATTEMPTS = 6;
export const REVOKE_RETRY_BASE_MS = 10_000;

/** Milliseconds from the `attempts`-th failed attempt to the next one. */
export function revokeRetryDelay(attempts: number): number {
  return 2 ** attempts * REVOKE_RETRY_BASE_MS;
}

/** A user whose DROP has not succeeded yet. */
export interface PendingDrop {
  username: string;
  dbName: string;
  statements: string[];
  endedBy: 'revoked' | 'expired';
  attempts: number;
  /** Epoch ms on the mock clock of the next attempt. */
  due: number;
}

/**
 * `secretCredsRevoke`: the database drops the user, with the role's revocation statements (or
 * those kept in the lease when the role is gone; empty means the plugin's default). Vault's
 * decision is recorded at once; a real database's DROP follows. A DROP that fails leaves the user
 * live with the failure recorded, and is tried again on Vault's ladder (above).
 */
export function revokeCredentials(state: DatabaseState, lease: LeaseEntry): void | Promise<void> {
  const username = String(lease.internal.username ?? '');
  const user = state.users.get(username);
  if (!user?.live) return;
  const now = state.core.now();
  const endedBy = lease.expiresAt <= now ? 'expired' : 'revoked';
  ended(user, now, endedBy);
  user.leaseId = lease.id;
  const role = state.roles.get(String(lease.internal.role ?? ''));
  const dbName = role?.dbName ?? String(lease.internal.db_name ?? '');
  const statements = role
    ? role.revocation
    : Array.isArray(lease.internal.revocation_statements)
      ? lease.internal.revocation_statements.map(String)
      : [];
  if (!state.configs.get(dbName) || !state.external(dbName)) return;
  return attemptDrop(state, { username, dbName, statements, endedBy, attempts: 0, due: now });
}

/** The drops whose retry is due on the mock clock. */
export async function retryDueDrops(state: DatabaseState, now: number): Promise<void> {
  const due = [...state.pendingDrops.values()].filter((drop) => drop.due <= now);
  await Promise.all(due.map((drop) => attemptDrop(state, drop)));
}

async function attemptDrop(state: DatabaseState, drop: PendingDrop): Promise<void> {
  const user = state.users.get(drop.username);
  const config = state.configs.get(drop.dbName);
  state.pendingDrops.delete(drop.username);
  if (!user || !config) return;
  try {
    const plugin = await state.connection(drop.dbName, config);
    await plugin.deleteUser(drop.username, drop.statements);
  } catch (error) {
    drop.attempts += 1;
    user.revokeAttempts = drop.attempts;
    user.live = true;
    user.revokedAt = null;
    user.endedBy = null;
    const message = (error as Error).message;
    if (drop.attempts >= MAX_REVOKE_ATTEMPTS) {
      user.error = `failed to revoke after ${drop.attempts} attempts, the lease is irrevocable: ${message}`;
      return;
    }
    user.error = `failed to revoke: ${message}`;
    drop.due = state.core.now() + revokeRetryDelay(drop.attempts);
    state.pendingDrops.set(drop.username, drop);
    state.wakeAt(drop.due);
    return;
  }
  // A retry that succeeded: the user is gone now (the first attempt recorded that already).
  if (user.live) ended(user, state.core.now(), drop.endedBy);
}

function ended(
  user: { live: boolean; revokedAt: number | null; endedBy: 'revoked' | 'expired' | null },
  now: number,
  endedBy: 'revoked' | 'expired',
): void {
  user.live = false;
  user.revokedAt = now;
  user.endedBy = endedBy;
}
