import type * as Mysql from 'mysql2/promise';
import type * as Pg from 'pg';
import { PluginError } from './plugin';

/**
 * The database drivers, loaded the first time a plugin needs one: `pg` and `mysql2` are optional
 * peer dependencies of `vault-kubernetes-client/testing`, so an app that never configures a real
 * database needs neither.
 */
export async function loadPg(): Promise<typeof Pg> {
  try {
    const loaded = (await import('pg')) as typeof Pg & { default?: typeof Pg };
    return loaded.default ?? loaded;
  } catch {
    throw new PluginError(
      'the mock\'s postgresql-database-plugin needs the "pg" package (npm install --save-dev pg), or use plugin_name "in-memory-database-plugin"',
    );
  }
}

export async function loadMysql(): Promise<typeof Mysql> {
  try {
    const loaded = (await import('mysql2/promise')) as typeof Mysql & { default?: typeof Mysql };
    return loaded.default ?? loaded;
  } catch {
    throw new PluginError(
      'the mock\'s mysql database plugins need the "mysql2" package (npm install --save-dev mysql2), or use plugin_name "in-memory-database-plugin"',
    );
  }
}

/** A Node network error in the words of Go's net package, which is what Vault's errors carry. */
export function describeDriverError(error: unknown): string {
  const e = error as { code?: string; address?: string; port?: number; message?: string };
  if (e?.code === 'ECONNREFUSED' && e.address)
    return `dial tcp ${e.address}:${e.port}: connect: connection refused`;
  if (e?.code === 'ENOTFOUND') return `dial tcp: lookup ${String(e.message).split(' ').pop()}: no such host`;
  return e?.message ?? String(error);
}
