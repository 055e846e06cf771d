import type mysql from 'mysql2/promise';
import { afterAll, beforeAll } from 'vitest';
import {
  mysqlAdmin,
  pgAdmin,
  type RunAdmin,
  setUpMysql,
  setUpPostgres,
  tearDownMysql,
  tearDownPostgres,
} from './servers';
import { settledValue } from './wait';

/**
 * For the adapter tests that hand credentials over themselves (no Vault): a real database with a
 * few login users made by hand, and a way to see their sessions end.
 */
export type Server = 'postgresql' | 'mariadb';

/**
 * Registers, on the enclosing describe, the run's admin role and table, and a login user with
 * password `pw` for each name (allowed to read the table unless `grant` is false); all dropped
 * after. `admin()` gives the admin once set up.
 */
export function handMadeUsers(
  server: Server,
  prefix: string,
  users: string[],
  { grant = true }: { grant?: boolean } = {},
): { admin(): RunAdmin } {
  let admin: RunAdmin | undefined;
  beforeAll(async () => {
    if (server === 'postgresql') {
      admin = await setUpPostgres(prefix);
      const su = await pgAdmin();
      try {
        for (const user of users) {
          await su.query(`CREATE ROLE "${user}" LOGIN PASSWORD 'pw'`);
          if (grant) await su.query(`GRANT SELECT ON public."${admin.table}" TO "${user}"`);
        }
      } finally {
        await su.end();
      }
    } else {
      admin = await setUpMysql(prefix);
      const root = await mysqlAdmin();
      try {
        for (const user of users) {
          await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw'`);
          if (grant) await root.query(`GRANT SELECT ON test.\`${admin.table}\` TO '${user}'@'%'`);
        }
      } finally {
        await root.end();
      }
    }
  });
  afterAll(() => (server === 'postgresql' ? tearDownPostgres(prefix) : tearDownMysql(prefix)));
  return {
    admin() {
      if (!admin) throw new Error('handMadeUsers: used before beforeAll ran');
      return admin;
    },
  };
}

/** How many sessions the server has open for a user right now. */
export async function sessionsOf(server: Server, user: string): Promise<number> {
  if (server === 'postgresql') {
    const su = await pgAdmin();
    try {
      const { rows } = await su.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1',
        [user],
      );
      return rows[0]?.n ?? 0;
    } finally {
      await su.end();
    }
  }
  const root = await mysqlAdmin();
  try {
    const [rows] = await root.query<mysql.RowDataPacket[]>(
      'SELECT count(*) AS n FROM information_schema.processlist WHERE USER = ?',
      [user],
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await root.end();
  }
}

/** The user's session count once it reaches 0, or what it still is after the wait (for the assertion). */
export function sessionsEnded(server: Server, user: string): Promise<number> {
  return settledValue(
    () => sessionsOf(server, user),
    (n) => n === 0,
  );
}
