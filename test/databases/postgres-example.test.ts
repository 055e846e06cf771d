import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vaultPostgres } from '../../examples/connection-pool-postgres';
import { FakeSource } from './support/fake-source';
import { pgAdmin, requireServer, runPrefix, setUpPostgres, tearDownPostgres } from './support/servers';
import { settledValue } from './support/wait';

/** porsager's postgres.js, one instance per lease (examples/connection-pool-postgres.ts), on a real PostgreSQL. */
const available = await requireServer('postgresql');
const prefix = runPrefix();
const users = [`${prefix}_j1`, `${prefix}_j2`];
const sessionsOf = async (user: string) => {
  const su = await pgAdmin();
  try {
    return (await su.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1', [user]))
      .rows[0].n as number;
  } finally {
    await su.end();
  }
};

describe.skipIf(!available)('postgres.js following Vault', () => {
  beforeAll(async () => {
    await setUpPostgres(prefix);
    const su = await pgAdmin();
    for (const user of users) await su.query(`CREATE ROLE "${user}" LOGIN PASSWORD 'pw'`);
    await su.end();
  });
  afterAll(async () => {
    await tearDownPostgres(prefix);
  });

  it('sends new work to the new user at once; a transaction and a query in flight finish on the old one before its instance ends', async () => {
    const source = new FakeSource();
    const db = vaultPostgres(source, 'database/creds/app', { host: '127.0.0.1', database: 'test' });
    source.deliver(users[0]!, 'pw');
    await db.ready;
    expect((await db.sql`select current_user as u`)[0]!.u).toBe(users[0]);

    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    let inTransaction!: () => void;
    const began = new Promise<void>((resolve) => (inTransaction = resolve));
    const transaction = db.sql.begin(async (sql) => {
      await sql`select 1`;
      inTransaction();
      await paused;
      return (await sql`select current_user as u`)[0]!.u as string;
    });
    await began;
    const long = db.sql`select current_user as u, pg_sleep(0.2)`.then((rows) => rows[0]!.u as string);

    let drained = false;
    const drain = source.deliver(users[1]!, 'pw');
    void drain!.then(() => (drained = true));
    expect((await db.sql`select current_user as u`)[0]!.u).toBe(users[1]);
    expect(await long).toBe(users[0]);
    expect(drained).toBe(false);
    resume();
    expect(await transaction).toBe(users[0]);
    await drain;
    expect(
      await settledValue(
        () => sessionsOf(users[0]!),
        (n) => n === 0,
      ),
    ).toBe(0);
    await db.end();
    expect(
      await settledValue(
        () => sessionsOf(users[1]!),
        (n) => n === 0,
      ),
    ).toBe(0);
  });
});
