import knex from 'knex';
import { knexCredentials } from 'vault-kubernetes-client/knex';
import { describeRotationRun } from './support/rotation-run';

/**
 * The evidence for `vault-kubernetes-client/knex`: the pg run's app (support/rotation-run.ts)
 * through knex on a real PostgreSQL, its connections following Vault through knex's own
 * connection function, expirationChecker and pool validate.
 */
type Rows = { rows: { u: string }[] };

/** current_user from the first row; a query that returned none is a failure, not a user. */
function userIn(result: unknown): string {
  const user = (result as Rows).rows[0]?.u;
  if (user === undefined) throw new Error('the query returned no row');
  return user;
}

await describeRotationRun('knex', 'postgresql', (client, path, admin) => {
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
        userIn(await db.raw(`SELECT current_user AS u, name FROM ${table} WHERE id = ?`, [id])),
      long: async () => userIn(await db.raw('SELECT current_user AS u, pg_sleep(2)')),
      transaction: (pauseMs) =>
        db.transaction(async (trx) => {
          const user = userIn(await trx.raw(`SELECT current_user AS u, count(*) FROM ${table}`));
          await new Promise((resolve) => setTimeout(resolve, pauseMs));
          await trx.raw(`SELECT name FROM ${table} WHERE id = 1`);
          return user;
        }),
    },
  };
});
