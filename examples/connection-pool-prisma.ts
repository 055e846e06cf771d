/**
 * Prisma over Vault's dynamic database credentials, through Prisma's pg driver adapter: the
 * adapter takes a pool, and `vault-kubernetes-client/pg` gives it one whose user follows Vault.
 *
 *     const { adapter, pool } = prismaAdapter(vault, 'database/creds/app', { host, database });
 *     const prisma = new PrismaClient({ adapter });   // your generated client
 *     ...
 *     await prisma.$disconnect();
 *     await pool.end();
 *
 * Prisma's adapter accepts an external pool only when it is `instanceof pg.Pool` (anything else
 * is read as settings for a pool of its own), hence `asPgPool` with the app's `pg`. A rotation
 * then works as with the pool alone: queries and new transactions go to the new user at once,
 * an interactive transaction already open finishes on the old one, and the old lease is revoked
 * after its pool has drained.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import {
  asPgPool,
  createPool,
  type SecretSource,
  type VaultPgPool,
  type VaultPgPoolConfig,
} from 'vault-kubernetes-client/pg';

export function prismaAdapter(
  vault: SecretSource,
  path: string,
  settings: VaultPgPoolConfig = {},
): { adapter: PrismaPg; pool: VaultPgPool } {
  const pool = createPool(vault, path, { ...settings, pg });
  const { login: _login, pg: _pg, ...shared } = settings;
  return { adapter: new PrismaPg(asPgPool(pool, pg.Pool, shared)), pool };
}
