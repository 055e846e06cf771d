/**
 * `vault-kubernetes-client/knex`: knex (3.2+) connections whose credentials follow Vault's
 * dynamic database secrets, through knex's own async `connection` function and pool `validate`.
 */
import {
  type KnexConnectionSettings,
  KnexCredentials,
  type KnexCredentialsOptions,
} from './adapters/knex-credentials';
import type { SecretSource } from './adapters/secret-source';

export type {
  DrainedEvent,
  KnexConnectionSettings,
  KnexCredentialsOptions,
  RotationEvent,
} from './adapters/knex-credentials';
export { KnexCredentials } from './adapters/knex-credentials';
export type { DatabaseLogin, LoginMapper, SecretSource } from './adapters/secret-source';

/**
 * Credentials for knex at `path` (e.g. `database/creds/app`), with `settings` for every
 * connection (host, port, database, ssl...):
 *
 *     const credentials = knexCredentials(vault, 'database/creds/app', { host, database });
 *     const db = credentials.attach(
 *       knex({ client: 'pg', connection: credentials.connection, pool: credentials.pool({ max: 10 }) }),
 *     );
 */
export function knexCredentials(
  source: SecretSource,
  path: string,
  settings: KnexConnectionSettings = {},
  options: KnexCredentialsOptions = {},
): KnexCredentials {
  return new KnexCredentials(source, path, settings, options);
}
