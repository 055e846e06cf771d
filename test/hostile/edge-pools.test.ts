import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Secret, SecretChange, SecretListener, Subscription } from 'vault-kubernetes-client';
import { createPool as createMysqlPool } from 'vault-kubernetes-client/mysql2';
import { createPool as createPgPool } from 'vault-kubernetes-client/pg';
import { describe, expect, it } from 'vitest';

/*
 * README "Connection pools": "the old pool then ends (no session of the old user remains), and the
 * watch listener settles only then". Attacked with the app's own pool listeners throwing inside the
 * handover. No database is needed: driver pools open no connection until work arrives, and an
 * ended pool is what is checked.
 */

type Data = Record<string, unknown>;

/** A secret source the test drives: each `hand(...)` is one delivery, returning the listener's outcome. */
function drivenSource() {
  let listener: SecretListener<Data> | undefined;
  let last: Secret<Data> | undefined;
  const secretOf = (data: Data) =>
    ({ path: 'database/creds/app', data, lease: undefined }) as unknown as Secret<Data>;
  return {
    source: {
      secret: async () => {
        if (!last) throw new Error('no credentials yet');
        return last;
      },
      watch(_path: string, l: SecretListener<Data>): Subscription<Data> {
        listener = l;
        const ready = Promise.resolve().then(async () => {
          if (!last) throw new Error('no credentials yet');
          await l(last, undefined);
          return last;
        });
        return Object.assign(
          () => {
            listener = undefined;
          },
          { ready },
        ) as Subscription<Data>;
      },
    },
    first(data: Data) {
      last = secretOf(data);
    },
    /** New credentials, as the client hands them over; resolves or rejects as the listener settles. */
    async hand(data: Data): Promise<void> {
      const previous = last;
      last = secretOf(data);
      const change = previous ? ({ previous, reason: 'max-ttl' } as SecretChange<Data>) : undefined;
      await listener?.(last, change);
    },
  };
}

const adapters = [
  [
    'pg',
    (source: ReturnType<typeof drivenSource>['source']) =>
      createPgPool(source, 'database/creds/app', { host: '127.0.0.1', pg }),
  ],
  [
    'mysql2',
    (source: ReturnType<typeof drivenSource>['source']) =>
      createMysqlPool(source, 'database/creds/app', { host: '127.0.0.1', mysql }),
  ],
] as const;

describe.each(adapters)('edge: %s pool listeners that throw during a rotation', (_name, make) => {
  it("a 'rotate' listener that throws: the old pool still drains and ends, the new one serves, the listener's error comes after the drain", async () => {
    const driven = drivenSource();
    driven.first({ username: 'v-one', password: 'p1' });
    const pool = make(driven.source);
    await pool.ready();
    const drained: string[] = [];
    pool.on('drained', ({ user }: { user: string }) => drained.push(user));
    pool.on('rotate', () => {
      throw new Error('a bug in the app’s rotate listener');
    });
    const outcome = await driven.hand({ username: 'v-two', password: 'p2' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(pool.user).toBe('v-two');
    expect(pool.poolCount).toBe(1);
    expect(drained).toEqual(['v-one']);
    expect((outcome as Error).message).toMatch(/rotate listener/);
    // The next rotation is not stuck behind the first.
    await driven.hand({ username: 'v-three', password: 'p3' }).catch(() => undefined);
    expect(pool.user).toBe('v-three');
    expect(pool.poolCount).toBe(1);
    expect(drained).toEqual(['v-one', 'v-two']);
    await pool.end();
  });

  it("a 'drained' listener that throws: the rotation is complete and the error is the listener's outcome", async () => {
    const driven = drivenSource();
    driven.first({ username: 'v-one', password: 'p1' });
    const pool = make(driven.source);
    await pool.ready();
    pool.on('drained', () => {
      throw new Error('a bug in the app’s drained listener');
    });
    await expect(driven.hand({ username: 'v-two', password: 'p2' })).rejects.toThrow(/drained listener/);
    expect(pool.poolCount).toBe(1);
    expect(pool.user).toBe('v-two');
    await pool.end();
    expect(pool.poolCount).toBe(0);
  });
});
