import type { EventEmitter } from 'node:events';
import { VaultKubernetesClient } from 'vault-kubernetes-client';
import type { MockVault } from 'vault-kubernetes-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadApp, type LoadSummary, type Outcome, runLoad, summarize } from './load';
import { configureShortLived, startRealTimeMock } from './real-time';
import {
  connectionUrl,
  mysqlLeftovers,
  pgLeftovers,
  type RunAdmin,
  requireServer,
  runPrefix,
  setUpMysql,
  setUpPostgres,
  tearDownMysql,
  tearDownPostgres,
} from './servers';
import { settledValue } from './wait';

/**
 * One evidence run, shared by every adapter: an app under continuous load on a real database, in
 * real time, through credential rotations (leases of 2 s, max 5 s), token re-logins at the
 * token's max TTL (4 s, max 9 s), and one lease revoked behind the client's back; then
 * `close({ revoke: true })` and a look for anything left in the database.
 */
export type Engine = 'postgresql' | 'mariadb';

/** What an adapter under test offers the run: the app's work, and its rotations as events. */
export interface AdapterUnderTest {
  app: LoadApp;
  /** Emits `rotate` ({ user, previousUser, reason }) and `drained` ({ drainMs }). */
  events: EventEmitter;
  end(): Promise<void>;
}

export interface RunReport {
  summary: LoadSummary;
  rotations: { user: string; previousUser: string | undefined; reason: string | undefined }[];
  /** Failed work not explained by the deliberate revocation. */
  unexpected: Outcome[];
  revoked: { user: string; at: number } | undefined;
  /** From the revocation to the adapter's rotation onto new credentials. */
  recoveryMs: number | undefined;
  drainMs: number[];
  leftovers: { roles: string[]; sessions: string[] };
  timeline: string[];
}

export interface RunOptions {
  engine: Engine;
  prefix: string;
  admin: RunAdmin;
  open(client: VaultKubernetesClient, path: string): AdapterUnderTest;
  /** Stops early after this many rotations (and the revocation and its recovery). */
  rotations?: number;
  durationMs?: number;
}

const creation = (engine: Engine, table: string) =>
  engine === 'postgresql'
    ? `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON public."${table}" TO "{{name}}";`
    : `CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON test.\`${table}\` TO '{{name}}'@'%';`;

export async function rotationRun(options: RunOptions): Promise<RunReport> {
  const { engine, prefix, admin } = options;
  const { mock, stop } = await startRealTimeMock();
  try {
    const tokenPath = await configureShortLived(mock, {
      tokenTtl: '4s',
      tokenMaxTtl: '9s',
      // The app may revoke its own leases: old ones go as soon as their pool has drained.
      policy:
        'path "database/creds/*" { capabilities = ["read"] }\npath "sys/leases/revoke" { capabilities = ["update"] }',
    });
    await mock.write('sys/mounts/database', { type: 'database' });
    await mock.write('database/config/db', {
      plugin_name: engine === 'postgresql' ? 'postgresql-database-plugin' : 'mysql-database-plugin',
      connection_url: connectionUrl(engine),
      username: admin.admin,
      password: admin.password,
      allowed_roles: '*',
    });
    await mock.write(`database/roles/${prefix}`, {
      db_name: 'db',
      creation_statements: creation(engine, admin.table),
      default_ttl: '2s',
      max_ttl: '5s',
    });
    const client = new VaultKubernetesClient({
      address: mock.address,
      auth: { role: 'myapp-role', tokenPath },
      secrets: { drainMs: 3_000, backoff: { minMs: 1_000, maxMs: 5_000 } } as never,
    });
    const path = `database/creds/${prefix}`;
    const adapter = options.open(client, path);
    const report = await drive(mock, client, adapter, path, options);
    await adapter.end();
    await client.close({ revoke: true });
    // A server ends a session some milliseconds after its client disconnects.
    report.leftovers = await settledValue(
      () => leftovers(engine, prefix, admin.admin),
      (l) => l.roles.length === 0 && l.sessions.length === 0,
    );
    return report;
  } finally {
    await stop();
  }
}

async function drive(
  mock: MockVault,
  client: VaultKubernetesClient,
  adapter: AdapterUnderTest,
  path: string,
  options: RunOptions,
): Promise<RunReport> {
  const rotations: RunReport['rotations'] = [];
  const timeline: string[] = [];
  const drains: number[] = [];
  const t0 = performance.now();
  const at = () => Math.round(performance.now() - t0);
  client.on('auth:login', (e) => timeline.push(`${at()} login ${e.reason}`));
  adapter.events.on('rotate', (event: RunReport['rotations'][number]) => {
    rotations.push(event);
    timeline.push(`${at()} rotate ${event.reason} ${event.previousUser} -> ${event.user}`);
  });
  adapter.events.on('drained', (event: { drainMs: number }) => drains.push(event.drainMs));
  let revoked: RunReport['revoked'];
  let recoveredAt: number | undefined;

  // The first credentials, before the load starts (the adapter waits for them by itself too).
  await adapter.app.short(1);
  // One lease revoked behind the client's back, a few seconds in.
  const revoker = setTimeout(async () => {
    const user = adapter.app.user();
    const lease = mock
      .leases({ path })
      .find((l) => mock.databaseUsers({ live: true }).some((u) => u.username === user && u.leaseId === l.id));
    if (!user || !lease) return;
    revoked = { user, at: performance.now() };
    timeline.push(`${at()} revoke ${user}`);
    const onRotate = (event: { previousUser: string | undefined }) => {
      if (event.previousUser !== user) return;
      recoveredAt = performance.now();
      adapter.events.off('rotate', onRotate);
    };
    adapter.events.on('rotate', onRotate);
    await mock.request('PUT', 'sys/leases/revoke', { lease_id: lease.id });
  }, 9_000);
  const outcomes = await runLoad(adapter.app, {
    durationMs: options.durationMs ?? 55_000,
    shortPerSecond: 150,
    longEveryMs: 3_000,
    transactionPauseMs: 400,
    enough: () =>
      rotations.length >= (options.rotations ?? 11) && revoked !== undefined && recoveredAt !== undefined,
  });
  clearTimeout(revoker);
  const unexpected = outcomes.filter((o) => !o.ok && o.dispatchedAs !== revoked?.user);
  for (const o of unexpected)
    timeline.push(
      `failed ${Math.round(o.startedAt - t0)}-${Math.round(o.endedAt - t0)} ${o.kind} as ${o.dispatchedAs}: ${o.error}`,
    );
  return {
    summary: summarize(outcomes),
    rotations,
    unexpected,
    revoked,
    recoveryMs: recoveredAt && revoked && Math.round(recoveredAt - revoked.at),
    drainMs: drains.map(Math.round),
    leftovers: { roles: [], sessions: [] },
    timeline,
  };
}

async function leftovers(
  engine: Engine,
  prefix: string,
  admin: string,
): Promise<{ roles: string[]; sessions: string[] }> {
  if (engine === 'postgresql') return pgLeftovers(prefix, [admin]);
  const { users, sessions } = await mysqlLeftovers(prefix, [admin]);
  return { roles: users, sessions };
}

/** The one line each run prints: the figures the README quotes. */
export function describeRun(label: string, report: RunReport): string {
  const { summary, rotations, unexpected, recoveryMs, drainMs } = report;
  return `${label} load: ${JSON.stringify({
    ...summary,
    rotations: rotations.length,
    relogins: rotations.filter((r) => r.reason === 'relogin').length,
    unexpected: unexpected.length,
    recoveryMs,
    drainMs,
  })}`;
}

/**
 * What every run must show: no failed work except on the revoked lease, at least ten rotations
 * (some after re-logins), the load asked for, recovery from the revocation, and nothing of the
 * run's users left in the database after `close({ revoke: true })`.
 */
export function expectCleanRun(report: RunReport): void {
  if (report.unexpected.length) console.info(report.timeline.join('\n'));
  expect(report.unexpected.map((o) => `${o.kind} as ${o.dispatchedAs}: ${o.error}`)).toEqual([]);
  expect(report.rotations.length).toBeGreaterThanOrEqual(10);
  expect(report.rotations.some((r) => r.reason === 'relogin')).toBe(true);
  expect(report.summary.shortPerSecond).toBeGreaterThanOrEqual(100);
  expect(report.summary.longQueries).toBeGreaterThanOrEqual(3);
  expect(report.summary.transactions).toBeGreaterThanOrEqual(10);
  expect(report.summary.distinctUsers).toBeGreaterThanOrEqual(10);
  expect(report.revoked).toBeDefined();
  // One backoff step of the run's client (backoff.maxMs): a refused query asks for new
  // credentials at once, so this is normally well under a second.
  expect(report.recoveryMs).toBeLessThanOrEqual(5_000);
  expect(report.leftovers).toEqual({ roles: [], sessions: [] });
}

/**
 * The whole evidence test for one adapter: skipped (or, under CI, failed) without its database,
 * the run's admin role and table set up and torn down around it, and the run judged.
 */
export async function describeRotationRun(
  label: string,
  engine: Engine,
  open: (client: VaultKubernetesClient, path: string, admin: RunAdmin) => AdapterUnderTest,
): Promise<void> {
  const available = await requireServer(engine);
  const prefix = runPrefix();
  let admin: RunAdmin | undefined;
  describe.skipIf(!available)(`${label} under load through rotations`, () => {
    beforeAll(async () => {
      admin = engine === 'postgresql' ? await setUpPostgres(prefix) : await setUpMysql(prefix);
    });
    afterAll(() => (engine === 'postgresql' ? tearDownPostgres(prefix) : tearDownMysql(prefix)));

    it('fails no query through 10+ rotations and re-logins, except on a lease revoked behind its back', {
      timeout: 90_000,
    }, async () => {
      const ready = admin;
      if (!ready) throw new Error('the run was not set up');
      const report = await rotationRun({
        engine,
        prefix,
        admin: ready,
        open: (c, path) => open(c, path, ready),
      });
      console.info(describeRun(label, report));
      expectCleanRun(report);
    });
  });
}

/** A transaction held open across a pause, as an app's would be: committed, or rolled back and rethrown. */
export async function heldTransaction<T>(
  tx: {
    begin(): Promise<unknown>;
    commit(): Promise<unknown>;
    rollback(): Promise<unknown>;
    release(): void;
  },
  pauseMs: number,
  first: () => Promise<T>,
  second: () => Promise<unknown>,
): Promise<T> {
  try {
    await tx.begin();
    const result = await first();
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    await second();
    await tx.commit();
    return result;
  } catch (error) {
    await tx.rollback().catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
}
