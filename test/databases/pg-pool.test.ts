import { inspect } from 'node:util';
import pg from 'pg';
import { createPool, type RotationEvent } from 'vault-kubernetes-client/pg';
import { describe, expect, it } from 'vitest';
import { FakeSource } from './support/fake-source';
import { handMadeUsers, sessionsEnded } from './support/hand-made-users';
import { pgAdmin, requireServer, runPrefix } from './support/servers';

/** `vault-kubernetes-client/pg` against a real PostgreSQL, with credentials handed over by hand. */
const available = await requireServer('postgresql');
const prefix = runPrefix();
const users = [`${prefix}_u1`, `${prefix}_u2`, `${prefix}_u3`];

describe.skipIf(!available)('pg pool adapter', () => {
  const db = handMadeUsers('postgresql', prefix, users);

  const open = (source: FakeSource) =>
    createPool(source, 'database/creds/app', { host: '127.0.0.1', database: 'test', max: 4 });

  it('is returned at once; the first query waits for the first credentials', async () => {
    const source = new FakeSource();
    const pool = open(source);
    const query = pool.query('SELECT current_user AS u');
    let settled = false;
    void query.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    source.deliver(users[0]!, 'pw');
    expect((await query).rows[0]?.u).toBe(users[0]);
    await pool.end();
  });

  it('sends new work to the new user at once; the old pool finishes its transaction, then ends', async () => {
    const source = new FakeSource();
    const pool = open(source);
    const rotations: RotationEvent[] = [];
    pool.on('rotate', (event: RotationEvent) => rotations.push(event));
    source.deliver(users[0]!, 'pw');
    const held = await pool.connect();
    await held.query('BEGIN');
    await held.query(`SELECT count(*) FROM public."${db.admin().table}"`);

    let drained = false;
    const drain = source.deliver(users[1]!, 'pw', 'max-ttl');
    expect(drain).toBeInstanceOf(Promise);
    void drain!.then(() => (drained = true));
    expect((await pool.query('SELECT current_user AS u')).rows[0]?.u).toBe(users[1]);
    const other = await pool.connect();
    expect((await other.query('SELECT current_user AS u')).rows[0].u).toBe(users[1]);
    other.release();
    expect(pool.poolCount).toBe(2);

    // The old transaction goes on, on the old user, and the drain waits for it.
    expect((await held.query('SELECT current_user AS u')).rows[0].u).toBe(users[0]);
    expect(drained).toBe(false);
    await held.query('COMMIT');
    held.release();
    await drain;
    expect(pool.poolCount).toBe(1);
    expect(rotations).toEqual([{ user: users[1], previousUser: users[0], reason: 'max-ttl' }]);
    expect(await sessionsEnded('postgresql', users[0]!)).toBe(0);
    await pool.end();
    expect(await sessionsEnded('postgresql', users[1]!)).toBe(0);
  });

  it('counts queries in flight: a long query on the old pool finishes before it ends', async () => {
    const source = new FakeSource();
    const pool = open(source);
    source.deliver(users[0]!, 'pw');
    await pool.ready();
    const long = pool.query('SELECT current_user AS u, pg_sleep(0.3)');
    await new Promise((resolve) => setImmediate(resolve));
    const drain = source.deliver(users[1]!, 'pw');
    const [result] = await Promise.all([long, drain]);
    expect(result.rows[0]?.u).toBe(users[0]);
    await pool.end();
  });

  it('asks the source for new credentials when the database refuses the current ones', async () => {
    const source = new FakeSource();
    const pool = open(source);
    source.deliver(users[2]!, 'pw');
    await pool.query('SELECT 1');
    const su = await pgAdmin();
    await su.query(`REVOKE SELECT ON public."${db.admin().table}" FROM "${users[2]}"`);
    await su.end();
    for (let i = 0; i < 3; i++) {
      await expect(pool.query(`SELECT * FROM public."${db.admin().table}" LIMIT 1`)).rejects.toMatchObject({
        code: '42501',
      });
    }
    expect(source.rotations).toBe(1);
    await pool.end();
  });

  it('supports callbacks, reports its size, and refuses work once ended', async () => {
    const source = new FakeSource();
    const pool = open(source);
    source.deliver(users[0]!, 'pw');
    const viaCallback = await new Promise<string>((resolve, reject) =>
      pool.query('SELECT current_user AS u', (error, result) =>
        error ? reject(error) : resolve(result!.rows[0].u),
      ),
    );
    expect(viaCallback).toBe(users[0]);
    expect(pool.totalCount).toBeGreaterThanOrEqual(1);
    expect(pool.user).toBe(users[0]);
    await pool.end();
    await expect(pool.query('SELECT 1')).rejects.toThrow(/ended/);
    expect(pool.poolCount).toBe(0);
  });

  it('keeps the password out of util.inspect and JSON of the pool and its clients', async () => {
    const source = new FakeSource();
    const pool = open(source);
    source.deliver(users[0]!, 'a-password-nobody-should-see');
    const client = await pool.connect();
    for (const text of [inspect(pool, { depth: 6 }), inspect(client, { depth: 2 }), JSON.stringify(pool)])
      expect(text).not.toContain('a-password-nobody-should-see');
    client.release();
    await pool.end();
  });

  it('never shares a client between the old and the new user (pg.Pool per lease)', async () => {
    const source = new FakeSource();
    const pool = createPool(source, 'database/creds/app', {
      host: '127.0.0.1',
      database: 'test',
      max: 1,
      pg,
    });
    source.deliver(users[0]!, 'pw');
    const held = await pool.connect();
    void source.deliver(users[1]!, 'pw');
    // max 1 per pool: the old pool's only client is held, yet the new pool serves at once.
    expect((await pool.query('SELECT current_user AS u')).rows[0]?.u).toBe(users[1]);
    held.release();
    await pool.end();
  });
});
