import { createPool } from 'vault-kubernetes-client/pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { describeRun, expectCleanRun, rotationRun } from './support/rotation-run';
import { requireServer, runPrefix, setUpPostgres, tearDownPostgres } from './support/servers';

/**
 * The evidence for `vault-kubernetes-client/pg`: an app under continuous load on a real
 * PostgreSQL, in real time, through at least ten credential rotations, token re-logins at the
 * token's max TTL, and one lease revoked behind the client's back (support/rotation-run.ts).
 */
const available = await requireServer('postgresql');
const prefix = runPrefix();
let admin: { admin: string; password: string; table: string };

describe.skipIf(!available)('pg pool under load through rotations', () => {
  beforeAll(async () => {
    admin = await setUpPostgres(prefix);
  });
  afterAll(async () => {
    await tearDownPostgres(prefix);
  });

  it('fails no query through 10+ rotations and re-logins, except on a lease revoked behind its back', {
    timeout: 90_000,
  }, async () => {
    const report = await rotationRun({
      engine: 'postgresql',
      prefix,
      admin,
      open(client, path) {
        const pool = createPool(client, path, { host: '127.0.0.1', port: 5432, database: 'test', max: 8 });
        const table = `public."${admin.table}"`;
        return {
          events: pool,
          end: () => pool.end(),
          app: {
            user: () => pool.user,
            short: async (id) =>
              (await pool.query(`SELECT current_user AS u, name FROM ${table} WHERE id = $1`, [id])).rows[0]
                ?.u,
            long: async () => (await pool.query('SELECT current_user AS u, pg_sleep(2)')).rows[0]?.u,
            transaction: async (pauseMs) => {
              const c = await pool.connect();
              try {
                await c.query('BEGIN');
                const { rows } = await c.query(`SELECT current_user AS u, count(*) FROM ${table}`);
                await new Promise((resolve) => setTimeout(resolve, pauseMs));
                await c.query(`SELECT name FROM ${table} WHERE id = 1`);
                await c.query('COMMIT');
                return rows[0].u as string;
              } catch (error) {
                await c.query('ROLLBACK').catch(() => undefined);
                throw error;
              } finally {
                c.release();
              }
            },
          },
        };
      },
    });
    console.info(describeRun('pg', report));
    expectCleanRun(report);
  });
});
