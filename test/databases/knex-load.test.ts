import knex from 'knex';
import { knexCredentials } from 'vault-kubernetes-client/knex';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { describeRun, expectCleanRun, rotationRun } from './support/rotation-run';
import { requireServer, runPrefix, setUpPostgres, tearDownPostgres } from './support/servers';

/**
 * The evidence for `vault-kubernetes-client/knex`: the pg run's app (support/rotation-run.ts)
 * through knex on a real PostgreSQL, its connections following Vault through knex's own
 * connection function, expirationChecker and pool validate.
 */
const available = await requireServer('postgresql');
const prefix = runPrefix();
let admin: { admin: string; password: string; table: string };

type Rows = { rows: { u: string }[] };

describe.skipIf(!available)('knex under load through rotations', () => {
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
        const credentials = knexCredentials(client, path, {
          host: '127.0.0.1',
          port: 5432,
          database: 'test',
        });
        const db = credentials.attach(
          knex({
            client: 'pg',
            connection: credentials.connection,
            pool: credentials.pool({ min: 0, max: 8 }),
          }),
        );
        const table = `public."${admin.table}"`;
        return {
          events: credentials,
          async end() {
            await db.destroy();
            await credentials.close();
          },
          app: {
            user: () => credentials.user,
            short: async (id) =>
              ((await db.raw(`SELECT current_user AS u, name FROM ${table} WHERE id = ?`, [id])) as Rows)
                .rows[0]!.u,
            long: async () => ((await db.raw('SELECT current_user AS u, pg_sleep(2)')) as Rows).rows[0]!.u,
            transaction: (pauseMs) =>
              db.transaction(async (trx) => {
                const { rows } = (await trx.raw(`SELECT current_user AS u, count(*) FROM ${table}`)) as Rows;
                await new Promise((resolve) => setTimeout(resolve, pauseMs));
                await trx.raw(`SELECT name FROM ${table} WHERE id = 1`);
                return rows[0]!.u;
              }),
          },
        };
      },
    });
    console.info(describeRun('knex', report));
    expectCleanRun(report);
  });
});
