import type { Backend } from '../../core/backend';
import type { MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { credentialRoutes, renewCredentials, revokeCredentials } from './creds';
import { configAndRoleRoutes } from './paths';
import { registerDatabase } from './registry';
import { DatabaseState, type DatabaseUser } from './state';

export type { DatabaseUserFilter } from './registry';
export { databaseCredentialWorks, databaseUsers } from './registry';
export type { DatabaseUser } from './state';

/** A database engine backend, with its pretend database's user table for the mock to surface. */
export interface DatabaseBackend extends Backend {
  /** Every user the engine created, live or dropped, at the mock clock's current time. */
  users(): DatabaseUser[];
}

/**
 * The database secrets engine over a pretend database: connections are stored but never dialled,
 * dynamic users live exactly as long as their leases, static accounts rotate on the mock clock.
 */
export function databaseBackend(core: VaultCore, mount: MountInfo): DatabaseBackend {
  const state = new DatabaseState(core, mount);
  const backend: DatabaseBackend = {
    routes: [...configAndRoleRoutes(state), ...credentialRoutes(state)],
    renewLease: (lease, increment, req) => renewCredentials(state, lease, increment, req),
    revokeLease: (lease) => revokeCredentials(state, lease),
    users: () => state.snapshot(),
  };
  state.backend = backend;
  registerDatabase(state);
  return backend;
}
