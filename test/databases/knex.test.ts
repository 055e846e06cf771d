import { inspect } from 'node:util';
import knex, { type Knex } from 'knex';
import { knexCredentials, type RotationEvent } from 'vault-kubernetes-client/knex';
import { createPool } from 'vault-kubernetes-client/pg';
import { describe, expect, it } from 'vitest';
import { FakeSource } from './support/fake-source';
import { handMadeUsers, sessionsEnded, sessionsOf } from './support/hand-made-users';
import { MYSQL_ADMIN, pgAdmin, requireServer, runPrefix } from './support/servers';
import { settledValue } from './support/wait';

/** `vault-kubernetes-client/knex` against real databases, with credentials handed over by hand. */
const pgUp = await requireServer('postgresql');
const mariaUp = await requireServer('mariadb');
const prefix = runPrefix();

/** knex's log, so a test sees every warning knex would print. */
const quietLog = (warnings: string[]) => ({
  warn: (message: string) => warnings.push(String(message)),
  error: (message: string) => warnings.push(String(message)),
  deprecate: (message: string) => warnings.push(String(message)),
  debug: () => undefined,
});

describe.skipIf(!pgUp)('knex credentials on PostgreSQL', () => {
  const users = [`${prefix}_k1`, `${prefix}_k2`, `${prefix}_k3`];
  const fixture = handMadeUsers('postgresql', prefix, users);

  const open = (source: FakeSource, pool: Knex.PoolConfig = { min: 0, max: 4 }, warnings: string[] = []) => {
    const credentials = knexCredentials(source, 'database/creds/app', {
      host: '127.0.0.1',
      database: 'test',
    });
    const db = credentials.attach(
      knex({
        client: 'pg',
        connection: credentials.connection,
        pool: credentials.pool(pool),
        log: quietLog(warnings),
      }),
    );
    const close = async () => {
      await db.destroy();
      await credentials.close();
    };
    return { credentials, db, close };
  };
  const who = async (q: Knex | Knex.Transaction) =>
    ((await q.raw('SELECT current_user AS u')) as { rows: { u: string }[] }).rows[0]!.u;

  it('waits for the first credentials, then logs in as the lease user', async () => {
    const source = new FakeSource();
    const { db, close } = open(source);
    const first = who(db);
    let settled = false;
    void first.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    source.deliver(users[0]!, 'pw');
    expect(await first).toBe(users[0]);
    await close();
  });

  it('moves new work to the new user at once; a transaction on the old user commits, then its connection closes and the drain settles', async () => {
    const source = new FakeSource();
    const { db, credentials, close } = open(source);
    const rotations: RotationEvent[] = [];
    credentials.on('rotate', (event: RotationEvent) => rotations.push(event));
    source.deliver(users[0]!, 'pw');
    const trx = await db.transaction();
    expect(await who(trx)).toBe(users[0]);

    let drained = false;
    const drain = source.deliver(users[1]!, 'pw', 'max-ttl');
    expect(drain).toBeInstanceOf(Promise);
    void drain!.then(() => (drained = true));
    expect(await who(db)).toBe(users[1]);
    expect(credentials.generationCount).toBe(2);
    // The transaction goes on as the old user, and the old lease is held for it.
    expect(await who(trx)).toBe(users[0]);
    await trx(fixture.admin().table).where({ id: 1 }).first();
    expect(drained).toBe(false);
    await trx.commit();
    await drain;
    expect(credentials.generationCount).toBe(1);
    expect(rotations).toEqual([{ user: users[1], previousUser: users[0], reason: 'max-ttl' }]);
    expect(await sessionsEnded('postgresql', users[0]!)).toBe(0);
    await close();
    expect(await sessionsEnded('postgresql', users[1]!)).toBe(0);
  });

  it('closes idle connections of replaced credentials at once, and the pool serves on without a warning', async () => {
    const source = new FakeSource();
    const warnings: string[] = [];
    const { db, close } = open(source, { min: 2, max: 4 }, warnings);
    source.deliver(users[0]!, 'pw');
    // Four connections of the first user, all idle afterwards.
    await Promise.all(Array.from({ length: 4 }, () => db.raw('SELECT pg_sleep(0.05)')));
    expect(await sessionsOf('postgresql', users[0]!)).toBe(4);

    // No checkout needed: the rotation itself closes them, and then the drain settles.
    await source.deliver(users[1]!, 'pw');
    expect(await sessionsOf('postgresql', users[0]!)).toBe(0);
    // The pool still lists them as free; taking every slot at once meets each and replaces it.
    const served = await Promise.all(Array.from({ length: 8 }, () => who(db)));
    expect(new Set(served)).toEqual(new Set([users[1]]));
    expect(warnings).toEqual([]);
    await close();
  });

  it('asks the source for new credentials when the database refuses the current ones', async () => {
    const source = new FakeSource();
    const { db, close } = open(source);
    source.deliver(users[2]!, 'pw');
    await who(db);
    const su = await pgAdmin();
    await su.query(`REVOKE SELECT ON public."${fixture.admin().table}" FROM "${users[2]}"`);
    await su.end();
    for (let i = 0; i < 3; i++)
      await expect(db(fixture.admin().table).first()).rejects.toMatchObject({ code: '42501' });
    expect(source.rotations).toBe(1);
    await close();
  });

  it('keeps the password out of what knex holds when inspected or serialised, and still logs in', async () => {
    const source = new FakeSource();
    const { db, close } = open(source);
    source.deliver(users[0]!, 'a-password-nobody-should-see');
    // The test server trusts local connections, so any password logs in; the driver still got it.
    expect(await who(db)).toBe(users[0]);
    const settings = (db.client as { connectionSettings: object }).connectionSettings;
    expect((settings as { password?: string }).password).toBe('a-password-nobody-should-see');
    for (const text of [
      inspect(settings, { depth: 5 }),
      JSON.stringify(settings),
      inspect(db.client, { depth: 3 }),
    ])
      expect(text).not.toContain('a-password-nobody-should-see');
    await close();
  });

  it('refuses to hand out credentials to a knex instance it does not follow', async () => {
    const source = new FakeSource();
    const credentials = knexCredentials(source, 'database/creds/app', {
      host: '127.0.0.1',
      database: 'test',
    });
    const db = knex({ client: 'pg', connection: credentials.connection, log: quietLog([]) });
    source.deliver(users[0]!, 'pw');
    await expect(db.raw('SELECT 1')).rejects.toThrow(/credentials\.attach\(db\)/);
    await db.destroy();
    await credentials.close();
  });

  it('knex 3.3 `connectionPool` takes the pg adapter pool: the same rotation under knex', async () => {
    const source = new FakeSource();
    const pool = createPool(source, 'database/creds/app', { host: '127.0.0.1', database: 'test', max: 4 });
    const db = knex({ client: 'pg', connectionPool: pool as never, log: quietLog([]) });
    source.deliver(users[0]!, 'pw');
    const trx = await db.transaction();
    expect(await who(trx)).toBe(users[0]);
    const drain = source.deliver(users[1]!, 'pw');
    expect(await who(db)).toBe(users[1]);
    expect(await who(trx)).toBe(users[0]);
    await trx.commit();
    await drain;
    expect(pool.poolCount).toBe(1);
    await db.destroy();
    await pool.end();
  });
});

describe.skipIf(!mariaUp)('knex credentials on MariaDB (mysql2)', () => {
  const users = [`${prefix}_k1`, `${prefix}_k2`];
  handMadeUsers('mariadb', prefix, users);

  it('rotates: idle connections close at once, a transaction finishes on the old user, new work logs in as the new one', async () => {
    const source = new FakeSource();
    const warnings: string[] = [];
    const credentials = knexCredentials(source, 'database/creds/app', {
      host: MYSQL_ADMIN.host,
      port: MYSQL_ADMIN.port,
      database: 'test',
    });
    const db = credentials.attach(
      knex({
        client: 'mysql2',
        connection: credentials.connection,
        pool: credentials.pool({ min: 0, max: 4 }),
        log: quietLog(warnings),
      }),
    );
    const who = async (q: Knex | Knex.Transaction) =>
      String(((await q.raw('SELECT CURRENT_USER() AS u')) as [{ u: string }[]])[0][0]!.u).split('@')[0];
    source.deliver(users[0]!, 'pw');
    await Promise.all(Array.from({ length: 3 }, () => db.raw('SELECT SLEEP(0.05)')));
    const trx = await db.transaction();
    expect(await who(trx)).toBe(users[0]);
    const drain = source.deliver(users[1]!, 'pw');
    expect(await who(db)).toBe(users[1]);
    // Only the transaction's connection is left of the old user.
    expect(
      await settledValue(
        () => sessionsOf('mariadb', users[0]!),
        (n) => n === 1,
      ),
    ).toBe(1);
    expect(await who(trx)).toBe(users[0]);
    await trx.commit();
    await drain;
    expect(await sessionsEnded('mariadb', users[0]!)).toBe(0);
    const served = await Promise.all(Array.from({ length: 8 }, () => who(db)));
    expect(new Set(served)).toEqual(new Set([users[1]]));
    expect(warnings).toEqual([]);
    await db.destroy();
    await credentials.close();
  });
});
