import type { VaultKubernetesClient } from '../index';
import { createPool, type RotationEvent, type VaultPgPool } from '../pg';

/**
 * The demo's database: a real PostgreSQL when one answers (the mock's database engine creates and
 * drops real users on it, and a real `vault-kubernetes-client/pg` pool follows them), the mock's
 * in-memory database otherwise. PG_ADMIN_URL names the server (default: the local one, as the
 * project's machines have it); the `pg` package must be installed.
 */
export interface DemoDatabase {
  /** What the mock's database engine is configured with (undefined: the in-memory database). */
  setup: { plugin_name: string; connection_url: string; username: string; password: string } | undefined;
  /** A pool on the real server following the client's credentials (undefined without one). */
  open(client: VaultKubernetesClient): DemoPool | undefined;
}

export interface DemoPool {
  /** One query, as the app would run it each simulated hour. */
  use(): Promise<void>;
  /** The pool's summary line, after ending it. */
  finish(): Promise<string>;
}

const DEFAULT_URL = 'postgresql://postgres@127.0.0.1:5432/test';

export async function demoDatabase(url = process.env.PG_ADMIN_URL ?? DEFAULT_URL): Promise<DemoDatabase> {
  const inMemory: DemoDatabase = { setup: undefined, open: () => undefined };
  let admin: URL;
  try {
    admin = new URL(url);
    const loaded = (await import('pg')) as typeof import('pg') & { default?: typeof import('pg') };
    const pg = loaded.default ?? loaded;
    const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    await probe.connect();
    await probe.end();
  } catch {
    return inMemory;
  }
  const server = {
    host: admin.hostname,
    port: Number(admin.port || 5432),
    database: admin.pathname.slice(1),
  };
  return {
    setup: {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@${server.host}:${server.port}/${server.database}`,
      username: decodeURIComponent(admin.username),
      // The machines' PostgreSQL trusts local connections: the password is not checked there.
      password: decodeURIComponent(admin.password) || 'demo-admin-password',
    },
    open(client) {
      const pool: VaultPgPool = createPool(client, 'database/creds/app', { ...server, max: 2 });
      const users = new Set<string>();
      let queries = 0;
      let failures = 0;
      let rotations = 0;
      let drained = 0;
      pool.on('rotate', (_event: RotationEvent) => rotations++);
      pool.on('drained', () => drained++);
      return {
        async use() {
          queries++;
          try {
            users.add((await pool.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u);
          } catch {
            failures++;
          }
        },
        async finish() {
          await pool.end();
          return `    A real PostgreSQL pool (vault-kubernetes-client/pg) ran ${queries} queries as ${users.size} users, ${failures} failed; ${rotations} rotations, ${drained} old pools drained and ended.`;
        },
      };
    },
  };
}
