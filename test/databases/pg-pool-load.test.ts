import { createPool } from 'vault-kubernetes-client/pg';
import { describeRotationRun, heldTransaction } from './support/rotation-run';

/**
 * The evidence for `vault-kubernetes-client/pg`: an app under continuous load on a real
 * PostgreSQL, in real time, through at least ten credential rotations, token re-logins at the
 * token's max TTL, and one lease revoked behind the client's back (support/rotation-run.ts).
 */
await describeRotationRun('pg', 'postgresql', (client, path, admin) => {
  const pool = createPool(client, path, { host: '127.0.0.1', port: 5432, database: 'test', max: 8 });
  const table = `public."${admin.table}"`;
  return {
    events: pool,
    end: () => pool.end(),
    app: {
      user: () => pool.user,
      short: async (id) =>
        (await pool.query(`SELECT current_user AS u, name FROM ${table} WHERE id = $1`, [id])).rows[0]?.u,
      long: async () => (await pool.query('SELECT current_user AS u, pg_sleep(2)')).rows[0]?.u,
      transaction: async (pauseMs) => {
        const c = await pool.connect();
        return heldTransaction(
          {
            begin: () => c.query('BEGIN'),
            commit: () => c.query('COMMIT'),
            rollback: () => c.query('ROLLBACK'),
            release: () => c.release(),
          },
          pauseMs,
          async () =>
            (await c.query(`SELECT current_user AS u, count(*) FROM ${table}`)).rows[0]?.u as string,
          () => c.query(`SELECT name FROM ${table} WHERE id = 1`),
        );
      },
    },
  };
});
