import { inspect } from 'node:util';
import type mysql from 'mysql2/promise';
import { createPool, type RotationEvent } from 'vault-kubernetes-client/mysql2';
import { describe, expect, it } from 'vitest';
import { FakeSource } from './support/fake-source';
import { handMadeUsers, sessionsEnded } from './support/hand-made-users';
import { MYSQL_ADMIN, requireServer, runPrefix } from './support/servers';

/** `vault-kubernetes-client/mysql2` against a real MariaDB, with credentials handed over by hand. */
const available = await requireServer('mariadb');
const prefix = runPrefix();
const users = [`${prefix}_u1`, `${prefix}_u2`];

describe.skipIf(!available)('mysql2 pool adapter', () => {
  const db = handMadeUsers('mariadb', prefix, users);

  const open = (source: FakeSource) =>
    createPool(source, 'database/creds/app', {
      host: MYSQL_ADMIN.host,
      port: MYSQL_ADMIN.port,
      database: 'test',
    });
  const who = async (pool: ReturnType<typeof open>) =>
    String(
      ((await pool.query<mysql.RowDataPacket[]>('SELECT CURRENT_USER() AS u'))[0][0] as { u: string }).u,
    ).split('@')[0];

  it('waits for credentials, moves new work to the new user at once, and ends the old pool only after its transaction', async () => {
    const source = new FakeSource();
    const pool = open(source);
    const rotations: RotationEvent[] = [];
    pool.on('rotate', (event: RotationEvent) => rotations.push(event));
    const first = who(pool);
    source.deliver(users[0]!, 'pw');
    expect(await first).toBe(users[0]);

    const held = await pool.getConnection();
    await held.beginTransaction();
    await held.query(`SELECT count(*) FROM test.\`${db.admin().table}\``);
    let drained = false;
    const drain = source.deliver(users[1]!, 'pw', 'max-ttl');
    void drain!.then(() => (drained = true));
    expect(await who(pool)).toBe(users[1]);
    expect(pool.poolCount).toBe(2);
    // mysql2's end() would cut the held connection; the adapter waits for its release.
    const [rows] = await held.query<mysql.RowDataPacket[]>('SELECT CURRENT_USER() AS u');
    expect(String(rows[0]!.u).split('@')[0]).toBe(users[0]);
    expect(drained).toBe(false);
    await held.commit();
    held.release();
    await drain;
    expect(pool.poolCount).toBe(1);
    expect(rotations).toEqual([{ user: users[1], previousUser: users[0], reason: 'max-ttl' }]);
    expect(await sessionsEnded('mariadb', users[0]!)).toBe(0);
    await pool.end();
    expect(await sessionsEnded('mariadb', users[1]!)).toBe(0);
  });

  it('keeps the password out of util.inspect and JSON of the pool', async () => {
    const source = new FakeSource();
    const pool = open(source);
    source.deliver(users[0]!, 'a-password-nobody-should-see');
    await pool.query('SELECT 1').catch(() => undefined);
    for (const text of [inspect(pool, { depth: 6 }), JSON.stringify(pool)])
      expect(text).not.toContain('a-password-nobody-should-see');
    await pool.end();
  });

  it('asks for new credentials when the database refuses the current ones', async () => {
    const source = new FakeSource();
    const pool = open(source);
    source.deliver(users[0]!, 'wrong-password');
    await expect(pool.query('SELECT 1')).rejects.toMatchObject({ errno: 1045 });
    await expect(pool.execute('SELECT 1')).rejects.toMatchObject({ errno: 1045 });
    expect(source.rotations).toBe(1);
    await pool.end();
  });
});
