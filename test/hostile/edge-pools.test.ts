import mysql from 'mysql2/promise';
import pg from 'pg';
import { createPool as createMysqlPool } from 'vault-kubernetes-client/mysql2';
import { createPool as createPgPool } from 'vault-kubernetes-client/pg';
import { describe, expect, it } from 'vitest';
import { FakeSource } from '../databases/support/fake-source';
import { handMadeUsers, sessionsEnded } from '../databases/support/hand-made-users';
import { requireServer, runPrefix } from '../databases/support/servers';

/*
 * README "Connection pools": "the old pool then ends (no session of the old user remains), and the
 * watch listener settles only then". Attacked with the app's own pool listeners throwing inside the
 * handover: first without a database (driver pools open no connection until work arrives, and an
 * ended pool is what is checked), then on real PostgreSQL with a transaction open on the old user.
 */

/** The listener's outcome for one delivery: thrown at once, rejected later, or fine. */
function outcomeOf(hand: () => Promise<void> | undefined): Promise<unknown> {
  try {
    return Promise.resolve(hand()).then(
      () => undefined,
      (error: unknown) => error,
    );
  } catch (error) {
    return Promise.resolve(error);
  }
}

const adapters = [
  ['pg', (source: FakeSource) => createPgPool(source, 'database/creds/app', { host: '127.0.0.1', pg })],
  [
    'mysql2',
    (source: FakeSource) => createMysqlPool(source, 'database/creds/app', { host: '127.0.0.1', mysql }),
  ],
] as const;

describe.each(adapters)('edge: %s pool listeners that throw during a rotation', (_name, make) => {
  it("a 'rotate' listener that throws: the old pool still drains and ends, the new one serves, the listener's error comes after the drain", async () => {
    const source = new FakeSource();
    const pool = make(source);
    source.deliver('v-one', 'p1');
    await pool.ready();
    const drained: string[] = [];
    pool.on('drained', ({ user }: { user: string }) => drained.push(user));
    pool.on('rotate', () => {
      throw new Error('a bug in the app’s rotate listener');
    });
    const outcome = await outcomeOf(() => source.deliver('v-two', 'p2'));
    expect(pool.user).toBe('v-two');
    expect(pool.poolCount).toBe(1);
    expect(drained).toEqual(['v-one']);
    expect((outcome as Error).message).toMatch(/rotate listener/);
    // The next rotation is not stuck behind the first.
    await outcomeOf(() => source.deliver('v-three', 'p3'));
    expect(pool.user).toBe('v-three');
    expect(pool.poolCount).toBe(1);
    expect(drained).toEqual(['v-one', 'v-two']);
    await pool.end();
  });

  it("a 'drained' listener that throws: the rotation is complete and the error is the listener's outcome", async () => {
    const source = new FakeSource();
    const pool = make(source);
    source.deliver('v-one', 'p1');
    await pool.ready();
    pool.on('drained', () => {
      throw new Error('a bug in the app’s drained listener');
    });
    expect(((await outcomeOf(() => source.deliver('v-two', 'p2'))) as Error).message).toMatch(
      /drained listener/,
    );
    expect(pool.poolCount).toBe(1);
    expect(pool.user).toBe('v-two');
    await pool.end();
    expect(pool.poolCount).toBe(0);
  });
});

const available = await requireServer('postgresql');
const prefix = runPrefix();
const oldUser = `${prefix}_e1`;
const newUser = `${prefix}_e2`;

describe.skipIf(!available)(
  'edge: a throwing rotate listener with a transaction open (real PostgreSQL)',
  () => {
    const db = handMadeUsers('postgresql', prefix, [oldUser, newUser]);

    it('the transaction finishes on the old user, then the old pool ends and no session of it remains', async () => {
      const source = new FakeSource();
      const pool = createPgPool(source, 'database/creds/app', {
        host: '127.0.0.1',
        database: 'test',
        max: 4,
        pg,
      });
      source.deliver(oldUser, 'pw');
      pool.on('rotate', () => {
        throw new Error('a bug in the app’s rotate listener');
      });
      const held = await pool.connect();
      await held.query('BEGIN');
      await held.query(`SELECT count(*) FROM public."${db.admin().table}"`);

      let settled = false;
      const outcome = outcomeOf(() => source.deliver(newUser, 'pw')).finally(() => (settled = true));
      expect((await pool.query('SELECT current_user AS u')).rows[0]?.u).toBe(newUser);
      expect((await held.query('SELECT current_user AS u')).rows[0]?.u).toBe(oldUser);
      expect(settled).toBe(false);
      await held.query('COMMIT');
      held.release();
      expect(((await outcome) as Error).message).toMatch(/rotate listener/);
      expect(pool.poolCount).toBe(1);
      expect(await sessionsEnded('postgresql', oldUser)).toBe(0);
      await pool.end();
    });
  },
);
