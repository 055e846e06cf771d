/**
 * A node-postgres pool whose database user follows Vault (`vault-kubernetes-client/pg`): every
 * lease gets a pool of its own; at a rotation new queries go to the new user at once while the
 * old pool finishes its work and ends, and only then is the old lease revoked. No query fails.
 *
 * Needs PostgreSQL. With the embedded mock Vault, its database engine creates and drops a real
 * user per lease through PG_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/test, a
 * role allowed to create roles); against a real Vault, the pool finds its server the way pg
 * does (PGHOST, PGPORT, PGDATABASE).
 * Run: `npm run build && npx tsx examples/connection-pool.ts`.
 */
import { createPool, type RotationEvent } from 'vault-kubernetes-client/pg';
import { connect, isMain } from './support/vault';

export async function main(
  log: (line: string) => void = console.log,
  adminUrl = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/test',
): Promise<{ queries: number; failures: number; rotations: number; users: number }> {
  const vault = await connect();
  const admin = new URL(adminUrl);
  const server = {
    host: admin.hostname,
    port: Number(admin.port || 5432),
    database: admin.pathname.slice(1),
  };
  if (vault.mock) {
    // The mock's database engine on the real server, as Vault's postgresql-database-plugin.
    await vault.mock.write('database/config/postgres', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@${server.host}:${server.port}/${server.database}`,
      username: decodeURIComponent(admin.username),
      password: decodeURIComponent(admin.password) || 'unused-with-trust-auth',
      allowed_roles: ['app'],
    });
  }
  const pool = createPool(vault.client, 'database/creds/app', { ...(vault.mock ? server : {}), max: 4 });
  let rotations = 0;
  pool.on('rotate', (event: RotationEvent) => {
    rotations += 1;
    log(`queries now run as ${event.user} (${event.reason}; was ${event.previousUser})`);
  });
  pool.on('drained', (event: { user: string; drainMs: number }) =>
    log(`the pool of ${event.user} has finished its work and ended`),
  );
  let queries = 0;
  let failures = 0;
  const users = new Set<string>();
  try {
    // Twelve simulated hours, a query every simulated minute: three rotations at the 4 h max TTL.
    for (let minute = 0; minute < 12 * 60; minute++) {
      queries += 1;
      try {
        const { rows } = await pool.query<{ u: string }>('SELECT current_user AS u');
        users.add(rows[0]!.u);
      } catch (error) {
        failures += 1;
        log(`query failed: ${(error as Error).message}`);
      }
      await vault.wait(60_000);
    }
    log(`${queries} queries as ${users.size} database users, ${failures} failed, ${rotations} rotations`);
    return { queries, failures, rotations, users: users.size };
  } finally {
    await pool.end();
    await vault.close();
  }
}

if (isMain(import.meta.url)) await main();
