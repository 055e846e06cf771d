/**
 * `vault-kubernetes-client/mysql2`: a mysql2/promise pool whose credentials follow Vault's
 * dynamic database secrets, with no failed query at a rotation.
 */

import { VaultMysqlPool, type VaultMysqlPoolConfig } from './adapters/mysql2-pool';
import type { SecretSource } from './adapters/secret-source';

export type { DrainedEvent, RotationEvent, VaultMysqlPoolConfig } from './adapters/mysql2-pool';
export { VaultMysqlPool } from './adapters/mysql2-pool';
export type { DatabaseLogin, LoginMapper, SecretSource } from './adapters/secret-source';

/** A pool for the credentials at `path`, returned at once: the first query waits for credentials. */
export function createPool(
  source: SecretSource,
  path: string,
  config: VaultMysqlPoolConfig = {},
): VaultMysqlPool {
  return new VaultMysqlPool(source, path, config);
}
