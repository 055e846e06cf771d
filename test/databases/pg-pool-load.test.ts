import { VaultKubernetesClient } from 'vault-kubernetes-client';
import { createPool, type RotationEvent } from 'vault-kubernetes-client/pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientHasDrainLead } from './support/drain-contract';
import { runLoad, summarize } from './support/load';
import { configureShortLived, startRealTimeMock } from './support/real-time';
import { pgLeftovers, requireServer, runPrefix, setUpPostgres, tearDownPostgres } from './support/servers';
import { settledValue } from './support/wait';

/**
 * The evidence for `vault-kubernetes-client/pg`: an app under continuous load on a real
 * PostgreSQL, in real time, through at least ten credential rotations (leases of 2 s, max 5 s),
 * token re-logins at the token's max TTL, and one lease revoked behind the client's back.
 */
const available = await requireServer('postgresql');
const drainLead = clientHasDrainLead();
const prefix = runPrefix();
let admin: { admin: string; password: string; table: string };

describe.skipIf(!available || !drainLead)('pg pool under load through rotations', () => {
  beforeAll(async () => {
    admin = await setUpPostgres(prefix);
  });
  afterAll(async () => {
    await tearDownPostgres(prefix);
  });

  it('fails no query through 10+ rotations and re-logins, except on a lease revoked behind its back', {
    timeout: 90_000,
  }, async () => {
    const { mock, stop } = await startRealTimeMock();
    try {
      const tokenPath = await configureShortLived(mock, {
        tokenTtl: '4s',
        tokenMaxTtl: '9s',
        policy: 'path "database/creds/*" { capabilities = ["read"] }',
      });
      await mock.write('sys/mounts/database', { type: 'database' });
      await mock.write('database/config/pg', {
        plugin_name: 'postgresql-database-plugin',
        connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/test',
        username: admin.admin,
        password: admin.password,
        allowed_roles: '*',
      });
      await mock.write(`database/roles/${prefix}`, {
        db_name: 'pg',
        creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON public."${admin.table}" TO "{{name}}";`,
        default_ttl: '2s',
        max_ttl: '5s',
      });
      const client = new VaultKubernetesClient({
        address: mock.address,
        auth: { role: 'myapp-role', tokenPath },
        secrets: { drainMs: 3_000, backoff: { minMs: 1_000, maxMs: 5_000 } } as never,
      });
      const pool = createPool(client, `database/creds/${prefix}`, {
        host: '127.0.0.1',
        port: 5432,
        database: 'test',
        max: 8,
      });
      const rotations: RotationEvent[] = [];
      const timeline: string[] = [];
      const t0 = performance.now();
      client.on('auth:login', (e) =>
        timeline.push(`${Math.round(performance.now() - t0)} login ${e.reason}`),
      );
      pool.on('rotate', (event: RotationEvent) => {
        rotations.push(event);
        timeline.push(
          `${Math.round(performance.now() - t0)} rotate ${event.reason} ${event.previousUser} -> ${event.user}`,
        );
      });
      const drains: number[] = [];
      pool.on('drained', (event: { drainMs: number }) => drains.push(event.drainMs));
      let revoked: { user: string; at: number } | undefined;
      let recoveredAt: number | undefined;

      const app = {
        user: () => pool.user,
        short: async (id: number) =>
          (
            await pool.query(`SELECT current_user AS u, name FROM public."${admin.table}" WHERE id = $1`, [
              id,
            ])
          ).rows[0].u,
        long: async () => (await pool.query(`SELECT current_user AS u, pg_sleep(2)`)).rows[0].u,
        transaction: async (pauseMs: number) => {
          const c = await pool.connect();
          try {
            await c.query('BEGIN');
            const { rows } = await c.query(`SELECT current_user AS u, count(*) FROM public."${admin.table}"`);
            await new Promise((resolve) => setTimeout(resolve, pauseMs));
            await c.query(`SELECT name FROM public."${admin.table}" WHERE id = 1`);
            await c.query('COMMIT');
            return rows[0].u as string;
          } catch (error) {
            await c.query('ROLLBACK').catch(() => undefined);
            throw error;
          } finally {
            c.release();
          }
        },
      };
      await pool.ready();
      // One lease revoked behind the client's back, a few seconds in.
      const revoker = setTimeout(async () => {
        const user = pool.user!;
        const [lease] = mock
          .leases({ path: `database/creds/${prefix}` })
          .filter((l) =>
            mock.databaseUsers({ live: true }).some((u) => u.username === user && u.leaseId === l.id),
          );
        if (!lease) return;
        revoked = { user, at: performance.now() };
        await mock.request('PUT', 'sys/leases/revoke', { lease_id: lease.id });
        pool.once('rotate', () => (recoveredAt = performance.now()));
      }, 9_000);
      const outcomes = await runLoad(app, {
        durationMs: 60_000,
        shortPerSecond: 150,
        longEveryMs: 3_000,
        transactionPauseMs: 400,
        enough: () => rotations.length >= 12 && revoked !== undefined && recoveredAt !== undefined,
      });
      clearTimeout(revoker);
      const summary = summarize(outcomes);
      const failures = outcomes.filter((o) => !o.ok);
      const unexpected = failures.filter((o) => o.dispatchedAs !== revoked?.user);
      console.info(
        `pg load: ${JSON.stringify({ ...summary, rotations: rotations.length, unexpected: unexpected.length, recoveryMs: recoveredAt && revoked && Math.round(recoveredAt - revoked.at), drainMs: drains.map(Math.round) })}`,
      );
      if (unexpected.length)
        console.info(
          timeline.join('\n'),
          unexpected.map(
            (o) =>
              `${Math.round(o.startedAt - t0)}-${Math.round(o.endedAt - t0)} ${o.kind} ${o.dispatchedAs}`,
          ),
        );
      expect(unexpected.map((o) => `${o.kind} as ${o.dispatchedAs}: ${o.error}`)).toEqual([]);
      expect(rotations.length).toBeGreaterThanOrEqual(10);
      expect(summary.shortPerSecond).toBeGreaterThanOrEqual(100);
      expect(summary.longQueries).toBeGreaterThanOrEqual(3);
      expect(summary.distinctUsers).toBeGreaterThanOrEqual(10);
      expect(revoked).toBeDefined();
      expect(recoveredAt).toBeDefined();
      expect(rotations.some((r) => r.reason === 'relogin')).toBe(true);

      await pool.end();
      await client.close({ revoke: true });
      const left = await settledValue(
        () => pgLeftovers(prefix, [admin.admin]),
        (l) => l.roles.length === 0 && l.sessions.length === 0,
      );
      expect(left).toEqual({ roles: [], sessions: [] });
    } finally {
      await stop();
    }
  });
});
