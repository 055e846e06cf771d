import { createPool } from 'vault-kubernetes-client/pg';
import { describe, expect, it } from 'vitest';
import { prismaAdapter } from '../../examples/connection-pool-prisma';
import { FakeSource } from './support/fake-source';
import { handMadeUsers } from './support/hand-made-users';
import { requireServer, runPrefix } from './support/servers';

/**
 * Prisma through `@prisma/adapter-pg` over the Vault pool (examples/connection-pool-prisma.ts),
 * driven the way Prisma Client drives a driver adapter: `connect()`, `queryRaw`,
 * `startTransaction` with BEGIN / COMMIT sent as queries, `commit()` releasing the connection.
 * (Prisma Client itself needs `prisma generate`, whose CLI downloads a schema-engine binary that
 * this machine cannot fetch.)
 */
const available = await requireServer('postgresql');
const prefix = runPrefix();
const users = [`${prefix}_p1`, `${prefix}_p2`];
const sql = (text: string) => ({ sql: text, args: [], argTypes: [] });

describe.skipIf(!available)('Prisma pg adapter over the Vault pool', () => {
  handMadeUsers('postgresql', prefix, users, { grant: false });

  it('queries as the lease user; after a rotation new work is the new user while an open transaction commits as the old one, and only then does the old pool drain', async () => {
    const source = new FakeSource();
    const { adapter: factory, pool } = prismaAdapter(source, 'database/creds/app', {
      host: '127.0.0.1',
      database: 'test',
      max: 4,
    });
    const adapter = await factory.connect();
    const who = async (q: { queryRaw: typeof adapter.queryRaw }) =>
      (await q.queryRaw(sql('SELECT current_user AS u'))).rows[0]![0];
    source.deliver(users[0]!, 'pw');
    expect(await who(adapter)).toBe(users[0]);

    const tx = await adapter.startTransaction();
    expect(await who(tx)).toBe(users[0]);
    let drained = false;
    const drain = source.deliver(users[1]!, 'pw');
    void drain!.then(() => (drained = true));
    expect(await who(adapter)).toBe(users[1]);
    expect(await who(tx)).toBe(users[0]);
    expect(drained).toBe(false);
    await tx.executeRaw(sql('COMMIT'));
    await tx.commit();
    await drain;
    expect(pool.poolCount).toBe(1);
    await adapter.dispose();
    await pool.end();
  });

  it('the adapter would build a pool of its own from anything not `instanceof pg.Pool`, which is why the example wraps it', async () => {
    const { PrismaPg } = await import('@prisma/adapter-pg');
    const pool = createPool(new FakeSource(), 'database/creds/app');
    const direct = new PrismaPg(pool as never) as unknown as { externalPool: unknown };
    expect(direct.externalPool).toBeNull();
    const { adapter } = prismaAdapter(new FakeSource(), 'database/creds/app');
    expect((adapter as unknown as { externalPool: unknown }).externalPool).not.toBeNull();
    await pool.end();
  });
});
