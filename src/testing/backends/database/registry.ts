import type { VaultCore } from '../../core/vault-core';
import type { DatabaseBackend } from './index';
import type { DatabaseUser } from './state';

export interface DatabaseUserFilter {
  /** Mount path, with or without the trailing slash (`database`). */
  mount?: string;
  role?: string;
  kind?: DatabaseUser['kind'];
  /** true: only users that can log in now; false: only dropped ones. */
  live?: boolean;
}

/**
 * Users created by the database engines mounted in one mock Vault (its own state: two mocks
 * sharing a clock never see each other's users). Expired leases are swept and due static
 * rotations applied first, so the answer is what the database holds at the mock clock's time.
 */
export function databaseUsers(core: VaultCore, filter: DatabaseUserFilter = {}): DatabaseUser[] {
  const mount = filter.mount === undefined ? undefined : `${filter.mount.replace(/\/+$/, '')}/`;
  const users: DatabaseUser[] = [];
  for (const info of core.mounts.list((m) => m.type === 'database')) {
    if (mount !== undefined && info.path !== mount) continue;
    const backend = core.mounts.get(info.path)?.backend as DatabaseBackend | undefined;
    if (backend?.users) users.push(...backend.users());
  }
  return users.filter(
    (u) =>
      (filter.role === undefined || u.role === filter.role) &&
      (filter.kind === undefined || u.kind === filter.kind) &&
      (filter.live === undefined || u.live === filter.live),
  );
}

/**
 * Whether a username and password log in now, as far as the engine's record goes: for the
 * in-memory plugin that is the database itself; for a real database, ask the database.
 */
export function databaseCredentialWorks(
  core: VaultCore,
  username: string,
  password: string,
  filter: Pick<DatabaseUserFilter, 'mount'> = {},
): boolean {
  return databaseUsers(core, { ...filter, live: true }).some(
    (u) => u.username === username && u.password === password,
  );
}
