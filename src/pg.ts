/**
 * `vault-kubernetes-client/pg`: a node-postgres pool whose credentials follow Vault's dynamic
 * database secrets, with no failed query at a rotation.
 */
import { VaultPgPool, type VaultPgPoolConfig } from './adapters/pg-pool';
import type { SecretSource } from './adapters/secret-source';

export type { DrainedEvent, RotationEvent, VaultPgPoolConfig } from './adapters/pg-pool';
export { VaultPgPool } from './adapters/pg-pool';
export { asPgPool } from './adapters/pg-pool-view';
export type { DatabaseLogin, LoginMapper, SecretSource } from './adapters/secret-source';

/**
 * A pool for the credentials at `path` (e.g. `database/creds/app`), returned at once: the first
 * query waits for the first credentials by itself.
 */
export function createPool(source: SecretSource, path: string, config: VaultPgPoolConfig = {}): VaultPgPool {
  return new VaultPgPool(source, path, config);
}
