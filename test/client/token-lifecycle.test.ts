import { rm, writeFile } from 'node:fs/promises';
import { ServiceAccountTokenError, VaultInvalidTokenError, VaultSealedError } from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, DAY, type Harness, HOUR, MINUTE, rejection } from '../helpers/harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('token lifecycle against the mock Vault', () => {
  it('keeps a valid token for three simulated days (TTL 1 h, max TTL 24 h): renewals and logins as designed', async () => {
    h = await createHarness({ role: { token_ttl: '1h', token_max_ttl: '24h' } });
    const client = h.client();
    await client.start();
    for (let minute = 1; minute <= 3 * 24 * 60; minute++) {
      await h.mock.clock.advance(MINUTE);
      const info = client.tokenInfo();
      // The mock is the judge: the token the client holds must be alive in Vault right now.
      expect(h.mock.tokens().some((t) => t.accessor === info?.accessor)).toBe(true);
      if (minute % 30 === 0) await client.read('secret/data/myapp/config');
    }
    const logins = h.events.filter((e) => e.name === 'auth:login');
    const renewals = h.events.filter((e) => e.name === 'auth:renewed');
    // One login per 24 h session (initial + one at each max TTL) ...
    expect(logins.map((e) => (e.payload as { reason: string }).reason)).toEqual([
      'initial',
      'max-ttl',
      'max-ttl',
      'max-ttl',
    ]);
    // ... and in each session a renewal every 2/3 h ± 10 % until the cap: 23 h / (40 min ± 4) ≈ 31-38.
    expect(renewals.length).toBeGreaterThanOrEqual(3 * 31);
    expect(renewals.length).toBeLessThanOrEqual(4 * 38);
    expect(renewals.filter((e) => (e.payload as { capped: boolean }).capped).length).toBeGreaterThanOrEqual(
      3,
    );
    expect(h.events.filter((e) => e.name === 'error')).toEqual([]);
    // No read ever failed, and each went out with a token Vault accepted.
    expect(h.mock.audit.count({ status: 403 })).toBe(0);
  });

  it('periodic tokens renew forever with no new login', async () => {
    h = await createHarness({ role: { token_period: '30m' } });
    const client = h.client();
    await client.start();
    await h.mock.clock.advance(2 * DAY);
    expect(h.events.filter((e) => e.name === 'auth:login')).toHaveLength(1);
    expect(h.events.filter((e) => e.name === 'auth:renewed').length).toBeGreaterThan(2 * 24 * 2);
    await client.read('secret/data/myapp/config');
  });

  it('a non-renewable (batch) token is replaced by a new login before it expires', async () => {
    h = await createHarness({ role: { token_ttl: '1h', token_type: 'batch' } });
    const client = h.client();
    await client.start();
    await h.mock.clock.advance(5 * HOUR);
    const logins = h.events.filter((e) => e.name === 'auth:login');
    expect(logins.length).toBeGreaterThanOrEqual(6);
    expect(h.mock.audit.count({ path: 'auth/token/renew-self' })).toBe(0);
    await client.read('secret/data/myapp/config');
  });

  it('a token revoked behind the client: the next call gets 403, one new login, and the call succeeds', async () => {
    h = await createHarness();
    const client = h.client();
    await client.read('secret/data/myapp/config');
    const before = client.tokenInfo()!.accessor;
    expect(h.mock.revokeToken(before)).toBe(true);
    h.mock.audit.clear();
    const res = await client.read('secret/data/myapp/config');
    expect((res.data as { data: { username: string } }).data.username).toBe('app-user');
    expect(h.mock.audit.entries().map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'GET secret/data/myapp/config 403',
      'POST auth/kubernetes/login 200',
      'GET secret/data/myapp/config 200',
    ]);
    const relogin = h.events.filter((e) => e.name === 'auth:login').at(-1)!.payload as {
      reason: string;
      accessor: string;
    };
    expect(relogin.reason).toBe('invalid-token');
    expect(relogin.accessor).not.toBe(before);
  });

  it('a renewal that finds the token revoked logs in again in the background', async () => {
    h = await createHarness({ role: { token_ttl: '1h', token_max_ttl: '24h' } });
    const client = h.client();
    await client.start();
    h.mock.revokeToken(client.tokenInfo()!.accessor);
    await h.mock.clock.advance(50 * MINUTE);
    expect(
      h.events.filter((e) => e.name === 'auth:login').map((e) => (e.payload as { reason: string }).reason),
    ).toEqual(['initial', 'invalid-token']);
    expect(h.mock.tokens().some((t) => t.accessor === client.tokenInfo()!.accessor)).toBe(true);
  });

  it('does not retry forever when the token cannot be replaced: a static token stays invalid', async () => {
    h = await createHarness();
    const created = await h.mock.write('auth/token/create', { policies: ['myapp-policy'], ttl: '1h' });
    const token = (created.body as { auth: { client_token: string } }).auth.client_token;
    const client = h.client({ auth: { method: 'token', token } });
    await client.read('secret/data/myapp/config');
    h.mock.revokeToken(token);
    const error = await rejection(client.read('secret/data/myapp/config'), h.errors);
    expect(error).toBeInstanceOf(VaultInvalidTokenError);
  });

  it('reads the service-account file at every login: a replaced JWT is the one sent next', async () => {
    h = await createHarness();
    const client = h.client();
    await client.start();
    const fresh = await h.mock.cluster.mintToken({
      namespace: 'default',
      serviceAccount: 'myapp-sa',
      expiresIn: 7 * 86400,
    });
    await writeFile(h.tokenPath, fresh);
    h.mock.revokeToken(client.tokenInfo()!.accessor);
    await client.read('secret/data/myapp/config');
    expect(h.secretsSent.has(fresh)).toBe(true);
  });

  it('the service-account file deleted: a clear error; it comes back: the client recovers on its own', async () => {
    h = await createHarness();
    const client = h.client({ token: { loginBackoff: { minMs: 1000, maxMs: 60_000 } } });
    await client.start();
    const original = await h.mock.cluster.mintToken({
      namespace: 'default',
      serviceAccount: 'myapp-sa',
      expiresIn: 7 * 86400,
    });
    await rm(h.tokenPath);
    h.mock.revokeToken(client.tokenInfo()!.accessor);
    const error = (await rejection(
      client.read('secret/data/myapp/config'),
      h.errors,
    )) as ServiceAccountTokenError;
    expect(error).toBeInstanceOf(ServiceAccountTokenError);
    expect(error.code).toBe('ERR_SA_TOKEN_MISSING');
    expect(error.message).toContain(h.tokenPath);
    expect(error.message).toContain('does not exist');
    // While it is missing, calls fail fast with the same error rather than hammering the file and Vault.
    await expect(client.read('secret/data/myapp/config')).rejects.toBeInstanceOf(ServiceAccountTokenError);
    await writeFile(h.tokenPath, original);
    await h.mock.clock.advance(2 * MINUTE);
    expect(h.events.filter((e) => e.name === 'auth:login').at(-1)!.payload).toMatchObject({
      reason: 'invalid-token',
      failedAttempts: expect.any(Number),
    });
    await client.read('secret/data/myapp/config');
  });

  it('login failures back off exponentially with jitter, capped, and recover', async () => {
    h = await createHarness();
    // Without transport retries the test sees the token manager's own backoff alone.
    const client = h.client({
      retry: { maxRetries: 0 },
      token: { loginBackoff: { minMs: 1000, maxMs: 5 * MINUTE } },
    });
    h.mock.seal();
    await expect(client.start()).rejects.toBeInstanceOf(VaultSealedError);
    await h.mock.clock.advance(30 * MINUTE);
    const attempts = h.mock.audit.entries({ path: 'auth/kubernetes/login' }).map((e) => e.time);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    // 30 minutes of failure cost a handful of logins, not thousands: 1 s, 2 s, 4 s ... capped at 5 min.
    expect(attempts.length).toBeGreaterThan(6);
    expect(attempts.length).toBeLessThan(20);
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(5 * MINUTE);
    expect(gaps.at(-1)).toBeGreaterThan(3 * MINUTE);
    h.mock.unseal();
    await h.mock.clock.advance(5 * MINUTE);
    expect(h.events.some((e) => e.name === 'auth:login')).toBe(true);
    await client.read('secret/data/myapp/config');
  });
});
