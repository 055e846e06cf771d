import type mysql from 'mysql2/promise';
import { createPool } from 'vault-kubernetes-client/mysql2';
import { describeRotationRun, heldTransaction } from './support/rotation-run';
import { MYSQL_ADMIN } from './support/servers';

/**
 * The evidence for `vault-kubernetes-client/mysql2`: the pg run's app (support/rotation-run.ts)
 * on a real MariaDB through mysql2/promise pools.
 */

/** CURRENT_USER() is `user@host`; the run compares bare user names. */
const userOf = (rows: mysql.RowDataPacket[]) => String(rows[0]?.u).split('@')[0] ?? '';

await describeRotationRun('mysql2', 'mariadb', (client, path, admin) => {
  const pool = createPool(client, path, {
    host: MYSQL_ADMIN.host,
    port: MYSQL_ADMIN.port,
    database: 'test',
    connectionLimit: 8,
  });
  const table = `test.\`${admin.table}\``;
  return {
    events: pool,
    end: () => pool.end(),
    app: {
      user: () => pool.user,
      short: async (id) =>
        userOf(
          (
            await pool.execute<mysql.RowDataPacket[]>(
              `SELECT CURRENT_USER() AS u, name FROM ${table} WHERE id = ?`,
              [id],
            )
          )[0],
        ),
      long: async () =>
        userOf((await pool.query<mysql.RowDataPacket[]>('SELECT CURRENT_USER() AS u, SLEEP(2)'))[0]),
      transaction: async (pauseMs) => {
        const c = await pool.getConnection();
        return heldTransaction(
          {
            begin: () => c.beginTransaction(),
            commit: () => c.commit(),
            rollback: () => c.rollback(),
            release: () => c.release(),
          },
          pauseMs,
          async () =>
            userOf(
              (await c.query<mysql.RowDataPacket[]>(`SELECT CURRENT_USER() AS u, count(*) FROM ${table}`))[0],
            ),
          () => c.query(`SELECT name FROM ${table} WHERE id = 1`),
        );
      },
    },
  };
});
