import {
  type Secret,
  type SecretRotatedEvent,
  SecretSchemaError,
  VaultKubernetesClient,
} from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHarness, type Harness, HOUR, MINUTE, rejection } from '../helpers/harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const POLICY = [
  'path "secret/data/myapp/*" { capabilities = ["read"] }',
  'path "secret/metadata/myapp/*" { capabilities = ["read"] }',
  'path "database/creds/app" { capabilities = ["read"] }',
  'path "pki/issue/web" { capabilities = ["update"] }',
  'path "database/static-creds/app-static" { capabilities = ["read"] }',
  'path "sys/leases/revoke" { capabilities = ["update"] }',
].join('\n');

type Creds = { username: string; password: string };

function withDatabase(database: { ttl?: string; maxTtl?: string } = {}): Promise<Harness> {
  return createHarness({ policy: POLICY, database });
}

const rotations = (harness: Harness) =>
  harness.events.filter((e) => e.name === 'secret:rotated').map((e) => e.payload as SecretRotatedEvent);

describe('managed secrets', () => {
  it('24 simulated hours of database credentials (TTL 1 h, max 4 h): never a dead credential, counts as designed', async () => {
    h = await withDatabase();
    const client = h.client({ secrets: { jitter: 0 } });
    const seen = new Set<string>();
    for (let minute = 0; minute <= 24 * 60; minute++) {
      if (minute > 0) await h.mock.clock.advance(MINUTE);
      const creds = await client.secret('database/creds/app', {
        schema: z.object({ username: z.string(), password: z.string() }),
      });
      // The mock's database is the judge: this credential must log in right now.
      expect(h.mock.databaseCredentialWorks(creds.data.username, creds.data.password)).toBe(true);
      expect(creds.lease!.expiresAt).toBeGreaterThan(h.mock.clock.now());
      expect(creds.expiresAt).toBe(creds.lease!.expiresAt);
      seen.add(creds.data.username);
    }
    // Design (jitter 0): a lease is renewed every 40 min (2/3 of 1 h) until Vault caps it at the
    // 4 h max TTL (the 5th renewal, at 3h20, gets 40 min); its replacement is fetched 20 min (1/3)
    // before that end, at 3h40. So a rotation every 220 min: at 220, 440, ..., 1320 (6 of them),
    // 5 renewals per generation for the 6 full ones, and 3 (1360, 1400, 1440) in the last.
    const renewed = h.events.filter((e) => e.name === 'lease:renewed');
    expect(rotations(h).map((r) => r.reason)).toEqual(Array(6).fill('max-ttl'));
    expect(renewed).toHaveLength(6 * 5 + 3);
    expect(seen.size).toBe(7);
    for (const r of rotations(h)) {
      expect(r.previous!.leaseId).not.toBe(r.current.leaseId);
      expect((r.current.data as Creds).username).not.toBe((r.previous!.data as Creds).username);
    }
    // Old leases are revoked after the 60 s grace, so only the current credential is alive.
    expect(h.mock.audit.count({ path: 'sys/leases/revoke' })).toBe(6);
    const live = h.mock.databaseUsers({ live: true, kind: 'dynamic' });
    expect(live).toHaveLength(1);
    const revokes = h.mock.audit.entries({ path: 'sys/leases/revoke' }).map((e) => e.time);
    const rotationTimes = rotations(h).map((r) => r.at);
    expect(revokes.map((t, i) => t - rotationTimes[i]!)).toEqual(Array(6).fill(60_000));
    expect(h.events.filter((e) => e.name === 'error')).toEqual([]);
  });

  it('1,000 concurrent secret() calls for a cold path cause exactly one request to Vault (and one login)', async () => {
    h = await withDatabase();
    const client = h.client();
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => client.secret<undefined>('database/creds/app')),
    );
    expect(new Set(results.map((r) => r.lease!.id)).size).toBe(1);
    expect(h.mock.audit.count({ path: 'database/creds/app' })).toBe(1);
    expect(h.mock.audit.count({ path: 'auth/kubernetes/login' })).toBe(1);
    // Cached hits afterwards cost nothing on the wire.
    await client.secret('database/creds/app');
    expect(h.mock.audit.count({ path: 'database/creds/app' })).toBe(1);
  });

  it('the token revoked in Vault mid-run: re-login, every leased secret fetched again, nothing dead served', async () => {
    h = await withDatabase();
    const client = h.client({ secrets: { jitter: 0 } });
    await client.secret('database/creds/app');
    await client.secret('secret/data/myapp/config');
    await h.mock.clock.advance(10 * MINUTE);
    h.mock.revokeToken(client.tokenInfo()!.accessor);
    // The next call that reaches Vault (here the renewal at 40 min) finds the token dead.
    for (let minute = 0; minute < 40; minute++) {
      await h.mock.clock.advance(MINUTE);
      const creds = (await client.secret('database/creds/app')).data as Creds;
      // Once the client has seen the token die, it must serve only live credentials.
      if (
        h.events.some(
          (e) => e.name === 'auth:login' && (e.payload as { reason: string }).reason === 'invalid-token',
        )
      ) {
        expect(h.mock.databaseCredentialWorks(creds.username, creds.password)).toBe(true);
      }
    }
    const reasons = h.events
      .filter((e) => e.name === 'auth:login')
      .map((e) => (e.payload as { reason: string }).reason);
    expect(reasons).toEqual(['initial', 'invalid-token']);
    expect(rotations(h).map((r) => `${r.path} ${r.reason}`)).toEqual(['database/creds/app relogin']);
    const creds = (await client.secret('database/creds/app')).data as Creds;
    expect(h.mock.databaseCredentialWorks(creds.username, creds.password)).toBe(true);
    // The KV secret has no lease, so it did not need fetching again.
    expect(h.mock.audit.count({ path: 'secret/data/myapp/config' })).toBe(1);
  });

  it('Vault down for 30 minutes: cached secrets are served, retries are bounded and back off, all recovers', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      h = await withDatabase();
      const client = h.client({ secrets: { jitter: 0 } });
      const first = await client.secret<undefined>('database/creds/app');
      await client.secret('secret/data/myapp/config');
      await h.mock.clock.advance(20 * MINUTE);
      h.mock.faults.resetConnection({ times: Number.POSITIVE_INFINITY });
      for (let minute = 0; minute < 30; minute++) {
        await h.mock.clock.advance(MINUTE);
        const creds = await client.secret<undefined>('database/creds/app');
        expect(creds.lease!.id).toBe(first.lease!.id);
        await client.secret('secret/data/myapp/config');
      }
      const during = h.mock.audit.entries({ via: 'http' }).filter((e) => e.fault === 'reset');
      // Failures back off 1 s, 2 s, 4 s ... up to 5 min, one request each: tens, not thousands.
      expect(during.length).toBeGreaterThan(3);
      expect(during.length).toBeLessThan(30);
      h.mock.faults.clear();
      await h.mock.clock.advance(6 * MINUTE);
      const after = await client.secret<undefined>('database/creds/app');
      expect(h.mock.databaseCredentialWorks(String(after.data.username), String(after.data.password))).toBe(
        true,
      );
      expect(after.lease!.expiresAt).toBeGreaterThan(h.mock.clock.now() + 10 * MINUTE);
      expect(h.events.some((e) => e.name === 'error')).toBe(true);
      expect(h.events.some((e) => e.name === 'lease:expired')).toBe(false);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a KV v2 secret written anew: secret:rotated with reason new-version within one polling interval', async () => {
    h = await createHarness({ policy: POLICY });
    const client = h.client({ secrets: { pollIntervalMs: 5 * MINUTE, jitter: 0 } });
    const seen: Secret<unknown>[] = [];
    const stop = client.watch('secret/data/myapp/config', (secret) => {
      seen.push(secret);
    });
    await stop.ready;
    expect(seen).toHaveLength(1);
    expect(seen[0]!.version).toBe(1);
    await h.mock.write('secret/data/myapp/config', {
      data: { username: 'app-user', password: 'kv-password-value-2' },
    });
    await h.mock.clock.advance(5 * MINUTE);
    expect(rotations(h).map((r) => [r.reason, r.previous?.version, r.current.version])).toEqual([
      ['new-version', 1, 2],
    ]);
    expect(seen.map((s) => (s.data as Creds).password)).toEqual([
      'kv-password-value-1',
      'kv-password-value-2',
    ]);
    stop();
    await h.mock.write('secret/data/myapp/config', { data: { password: 'kv-password-value-3' } });
    await h.mock.clock.advance(5 * MINUTE);
    expect(seen).toHaveLength(2);
  });

  it('a PKI certificate is re-issued before it expires', async () => {
    h = await createHarness({ policy: POLICY });
    await h.mock.write('sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
    await h.mock.write('pki/root/generate/internal', { common_name: 'example.com', ttl: '8760h' });
    await h.mock.write('pki/roles/web', {
      allowed_domains: ['example.com'],
      allow_subdomains: true,
      max_ttl: '72h',
      ttl: '24h',
    });
    const client = h.client({ secrets: { jitter: 0 } });
    const cert = await client.secret('pki/issue/web', { body: { common_name: 'web.example.com' } });
    expect(cert.kind).toBe('certificate');
    const expiresAt = cert.expiresAt!;
    await h.mock.clock.advance(17 * HOUR);
    const [rotation] = rotations(h);
    expect(rotation?.reason).toBe('certificate-expiring');
    expect(rotation!.at).toBeLessThan(expiresAt);
    const renewed = await client.secret('pki/issue/web', { body: { common_name: 'web.example.com' } });
    expect(renewed.data.serial_number).not.toBe(cert.data.serial_number);
    expect(renewed.expiresAt!).toBeGreaterThan(expiresAt);
  });

  it('static database credentials are read again right after Vault rotates them', async () => {
    h = await withDatabase();
    await h.mock.write('database/config/pg', { allowed_roles: ['app', 'app-static'] });
    await h.mock.write('database/static-roles/app-static', {
      db_name: 'pg',
      username: 'static-user',
      rotation_period: '1h',
    });
    const client = h.client({ secrets: { jitter: 0 } });
    const first = await client.secret<undefined>('database/static-creds/app-static');
    expect(first.kind).toBe('static-credentials');
    for (let minute = 0; minute < 3 * 60; minute++) {
      await h.mock.clock.advance(MINUTE);
      const creds = (await client.secret('database/static-creds/app-static')).data as Creds;
      // Vault rotates on the hour; the client follows a second later, and never serves the old password after.
      if ((h.mock.clock.now() - first.fetchedAt) % HOUR > 2_000)
        expect(h.mock.databaseCredentialWorks(creds.username, creds.password)).toBe(true);
    }
    expect(rotations(h).map((r) => r.reason)).toEqual(['new-version', 'new-version', 'new-version']);
    expect(h.mock.audit.count({ path: 'database/static-creds/app-static' })).toBe(4);
  });

  it('a schema that rejects the data: a typed error naming the failing fields, not the values', async () => {
    h = await createHarness({ policy: POLICY });
    const client = h.client();
    const error = (await rejection(
      client.secret('secret/data/myapp/config', {
        schema: z.object({ username: z.number(), api_key: z.string() }),
      }),
      h.errors,
    )) as SecretSchemaError;
    expect(error).toBeInstanceOf(SecretSchemaError);
    expect(error.issues.map((i) => i.field).sort()).toEqual(['api_key', 'username']);
    expect(error.message).toContain('username');
    expect(error.message).not.toContain('app-user');
    expect(error.message).not.toContain('kv-password-value-1');
  });

  it('watch(): a listener that throws is reported and renewals go on', async () => {
    h = await withDatabase();
    const client = h.client({ secrets: { jitter: 0 } });
    let calls = 0;
    await client.watch('database/creds/app', () => {
      calls += 1;
      throw new Error('pool exploded');
    }).ready;
    await h.mock.clock.advance(4 * HOUR);
    expect(calls).toBe(2);
    const listenerErrors = h.events.filter(
      (e) => e.name === 'error' && (e.payload as { phase: string }).phase === 'listener',
    );
    expect(listenerErrors).toHaveLength(2);
    expect(h.events.filter((e) => e.name === 'lease:renewed').length).toBeGreaterThanOrEqual(5);
  });

  it('rotate() forces a new credential now; invalidate() drops the cached one', async () => {
    h = await withDatabase();
    const client = h.client();
    const before = await client.secret<undefined>('database/creds/app');
    const after = await client.rotate<undefined>('database/creds/app');
    expect(after.lease!.id).not.toBe(before.lease!.id);
    expect(rotations(h).map((r) => r.reason)).toEqual(['manual']);
    expect(client.invalidate('database/creds/app')).toBe(true);
    const third = await client.secret<undefined>('database/creds/app');
    expect(third.lease!.id).not.toBe(after.lease!.id);
  });

  it('close({ revoke: true }) leaves no lease of this client in Vault and no pending timer', async () => {
    h = await withDatabase();
    const client = h.client();
    await client.secret('database/creds/app');
    await client.secret('secret/data/myapp/config');
    await h.mock.clock.advance(3 * HOUR);
    const accessor = client.tokenInfo()!.accessor;
    expect(h.mock.leases({ tokenAccessor: accessor }).length).toBeGreaterThan(0);
    await client.close({ revoke: true });
    expect(h.mock.leases()).toEqual([]);
    expect(h.mock.databaseUsers({ live: true })).toEqual([]);
    expect(h.mock.clock.pendingTimers()).toBe(0);
    await expect(client.secret('database/creds/app')).rejects.toThrow(/closed/);
  });

  it('a secret is never returned once its lease has expired, even with Vault unreachable', async () => {
    h = await withDatabase({ ttl: '10m', maxTtl: '10m' });
    const client = new VaultKubernetesClient({
      address: h.mock.address,
      auth: { role: 'myapp-role', tokenPath: h.tokenPath },
      clock: h.mock.clock,
      logLevel: 'silent',
      retry: { maxRetries: 0 },
    });
    const creds = await client.secret<undefined>('database/creds/app');
    h.mock.faults.resetConnection({ times: Number.POSITIVE_INFINITY });
    await h.mock.clock.advance(11 * MINUTE);
    await expect(client.secret('database/creds/app')).rejects.toThrow();
    expect(creds.lease!.expiresAt).toBeLessThan(h.mock.clock.now());
    await client.close();
  });
});
