import type mysql from 'mysql2/promise';
import { createPool } from 'vault-kubernetes-client/mysql2';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { describeRun, expectCleanRun, rotationRun } from './support/rotation-run';
import { MYSQL_ADMIN, requireServer, runPrefix, setUpMysql, tearDownMysql } from './support/servers';

/**
 * The evidence for `vault-kubernetes-client/mysql2`: the pg run's app (support/rotation-run.ts)
 * on a real MariaDB through mysql2/promise pools.
 */
const available = await requireServer('mariadb');
const prefix = runPrefix();
let admin: { admin: string; password: string; table: string };

/** CURRENT_USER() is `user@host`; the run compares bare user names. */
const userOf = (rows: mysql.RowDataPacket[]) => String(rows[0]!.u).split('@')[0]!;

describe.skipIf(!available)('mysql2 pool under load through rotations', () => {
  beforeAll(async () => {
    admin = await setUpMysql(prefix);
  });
  afterAll(async () => {
    await tearDownMysql(prefix);
  });

  it('fails no query through 10+ rotations and re-logins, except on a lease revoked behind its back', {
    timeout: 90_000,
  }, async () => {
    const report = await rotationRun({
      engine: 'mariadb',
      prefix,
      admin,
      open(client, path) {
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
              try {
                await c.beginTransaction();
                const [rows] = await c.query<mysql.RowDataPacket[]>(
                  `SELECT CURRENT_USER() AS u, count(*) FROM ${table}`,
                );
                await new Promise((resolve) => setTimeout(resolve, pauseMs));
                await c.query(`SELECT name FROM ${table} WHERE id = 1`);
                await c.commit();
                return userOf(rows);
              } catch (error) {
                await c.rollback().catch(() => undefined);
                throw error;
              } finally {
                c.release();
              }
            },
          },
        };
      },
    });
    console.info(describeRun('mysql2', report));
    expectCleanRun(report);
  });
});
