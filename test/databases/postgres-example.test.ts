import { describe, expect, it } from 'vitest';
import { vaultPostgres } from '../../examples/connection-pool-postgres';
import { FakeSource } from './support/fake-source';
import { handMadeUsers, sessionsEnded } from './support/hand-made-users';
import { requireServer, runPrefix } from './support/servers';

/** porsager's postgres.js, one instance per lease (examples/connection-pool-postgres.ts), on a real PostgreSQL. */
const available = await requireServer('postgresql');
const prefix = runPrefix();
const users = [`${prefix}_j1`, `${prefix}_j2`];
describe.skipIf(!available)('postgres.js following Vault', () => {
  handMadeUsers('postgresql', prefix, users, { grant: false });

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
    expect(await sessionsEnded('postgresql', users[0]!)).toBe(0);
    await db.end();
    expect(await sessionsEnded('postgresql', users[1]!)).toBe(0);
  });
});
