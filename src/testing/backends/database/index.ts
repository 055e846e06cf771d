import type { Backend } from '../../core/backend';
import type { MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { credentialRoutes, renewCredentials } from './creds';
import { configAndRoleRoutes } from './paths';
import { revokeCredentials } from './revocation';
import { DatabaseState, type DatabaseUser } from './state';

export type { DatabaseUserFilter } from './registry';
export { databaseCredentialWorks, databaseUsers } from './registry';
export type { DatabaseUser } from './state';

/** A database engine backend, with the record of the users it created for the mock to surface. */
export interface DatabaseBackend extends Backend {
  /** Every user the engine created, live or dropped, at the mock clock's current time. */
  users(): DatabaseUser[];
}

/**
 * The database secrets engine. Each connection's `plugin_name` decides where its users live:
 * Vault's PostgreSQL and MySQL plugins run their statements on the real database named in
 * `connection_url`; `in-memory-database-plugin` keeps them in the mock. Dynamic users live
 * exactly as long as their leases; static accounts rotate on the mock clock.
 */
export function databaseBackend(core: VaultCore, mount: MountInfo): DatabaseBackend {
  const state = new DatabaseState(core, mount);
  const backend: DatabaseBackend = {
    routes: [...configAndRoleRoutes(state), ...credentialRoutes(state)],
    renewLease: (lease, increment, req) => renewCredentials(state, lease, increment, req),
    revokeLease: (lease) => revokeCredentials(state, lease),
    dispose: () => state.dispose(),
    users: () => state.snapshot(),
  };
  state.backend = backend;
  return backend;
}

export function isDatabaseBackend(backend: Backend | undefined): backend is DatabaseBackend {
  return typeof (backend as Partial<DatabaseBackend> | undefined)?.users === 'function';
}
