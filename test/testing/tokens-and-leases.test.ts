import { ManualClock, type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  call,
  createToken,
  enableKubernetesAuth,
  expectErrors,
  INVALID_TOKEN,
  login,
  type Reply,
  setupDatabase,
  writeRole,
} from './support/vault';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault({ clock: new ManualClock(Date.UTC(2030, 0, 1)) });
});
afterEach(async () => {
  await mock.close();
});

/** Logs default/myapp-sa in through a role with these fields; returns the token. */
async function podToken(role: Record<string, unknown> = {}): Promise<string> {
  await enableKubernetesAuth(mock);
  await writeRole(mock, 'myapp-role', {
    bound_service_account_names: 'myapp-sa',
    bound_service_account_namespaces: 'default',
    token_policies: 'myapp-policy',
    audience: 'vault',
    ...role,
  });
  const jwt = await mock.cluster.mintToken({
    namespace: 'default',
    serviceAccount: 'myapp-sa',
    audiences: ['vault'],
  });
  const res = await login(mock, 'myapp-role', jwt);
  expect(res.status, res.text).toBe(200);
  return res.body.auth.client_token;
}

const self = (token: string | null) => call(mock, 'GET', 'auth/token/lookup-self', undefined, { token });
const renewSelf = (token: string, increment?: unknown): Promise<Reply> =>
  call(mock, 'POST', 'auth/token/renew-self', increment === undefined ? {} : { increment }, { token });

describe('auth/token/lookup-self', () => {
  it('describes a login token with Vault’s field set', async () => {
    const token = await podToken({ token_ttl: '1h' });
    await mock.clock.advance(10_000);
    const res = await self(token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0, auth: null });
    const data = res.body.data;
    expect(Object.keys(data).sort()).toEqual(
      [
        'accessor',
        'creation_time',
        'creation_ttl',
        'display_name',
        'entity_id',
        'expire_time',
        'explicit_max_ttl',
        'id',
        'issue_time',
        'meta',
        'num_uses',
        'orphan',
        'path',
        'policies',
        'renewable',
        'ttl',
        'type',
      ].sort(),
    );
    expect(data).toMatchObject({
      creation_time: Date.UTC(2030, 0, 1) / 1000,
      creation_ttl: 3600,
      ttl: 3590,
      display_name: 'kubernetes-default-myapp-sa',
      explicit_max_ttl: 0,
      id: token,
      num_uses: 0,
      orphan: true,
      path: 'auth/kubernetes/login',
      policies: ['default', 'myapp-policy'],
      renewable: true,
      type: 'service',
    });
    expect(data.issue_time).toMatch(RFC3339);
    expect(Date.parse(data.expire_time)).toBe(Date.UTC(2030, 0, 1) + HOUR);
    expect(Object.keys(data.meta).sort()).toEqual([
      'role',
      'service_account_name',
      'service_account_namespace',
      'service_account_secret_name',
      'service_account_uid',
    ]);
  });

  it('shows the root token as never expiring, with no lease times at all', async () => {
    const data = (await self(mock.rootToken)).body.data;
    expect(data).toMatchObject({
      policies: ['root'],
      path: 'auth/token/root',
      expire_time: null,
      ttl: 0,
      creation_ttl: 0,
      meta: null,
      orphan: true,
      display_name: 'root',
    });
    // token_store.go handleLookup adds renewable and issue_time from the token's lease, which a
    // root token does not have.
    expect(data).not.toHaveProperty('renewable');
    expect(data).not.toHaveProperty('issue_time');
  });
});

describe('auth/token/renew-self', () => {
  it('renews by the increment, then caps at the max TTL with Vault’s warning', async () => {
    const token = await podToken({ token_ttl: '1h', token_max_ttl: '2h' });
    await mock.clock.advance(30 * MINUTE);
    const first = await renewSelf(token, '1h');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ data: null, warnings: null });
    expect(first.body.auth).toMatchObject({ client_token: token, lease_duration: 3600, renewable: true });
    const looked = (await self(token)).body.data;
    expect(looked).toMatchObject({ ttl: 3600, last_renewal_time: Date.UTC(2030, 0, 1) / 1000 + 1800 });
    expect(looked.last_renewal).toMatch(RFC3339);

    await mock.clock.advance(50 * MINUTE);
    const capped = await renewSelf(token, 3600);
    expect(capped.body.auth.lease_duration).toBe(2400);
    expect(capped.body.warnings).toEqual([
      'TTL of "1h" exceeded the effective max_ttl of "40m"; TTL value is capped accordingly',
    ]);
    // The token dies at its max TTL and is then unknown to Vault.
    await mock.clock.advance(40 * MINUTE);
    expectErrors(await renewSelf(token, '1h'), 403, [INVALID_TOKEN]);
  });

  it('a renewal past the max TTL fails once the role’s max shrinks below the token’s age', async () => {
    const token = await podToken({ token_ttl: '1h', token_max_ttl: '2h' });
    await mock.clock.advance(50 * MINUTE);
    await writeRole(mock, 'myapp-role', { token_max_ttl: '30m', token_ttl: '10m' });
    expectErrors(await renewSelf(token), 500, ['1 error occurred:\n\t* past the max TTL, cannot renew\n\n']);
    await call(mock, 'DELETE', 'auth/kubernetes/role/myapp-role');
    expectErrors(await renewSelf(token), 500, [
      '1 error occurred:\n\t* failed to renew entry: role myapp-role does not exist during renewal\n\n',
    ]);
  });

  it('renews a periodic token to its period forever, ignoring the increment', async () => {
    const token = await podToken({ token_period: '24h' });
    expect((await self(token)).body.data.period).toBe(86400);
    for (let day = 0; day < 40; day++) {
      await mock.clock.advance(23 * HOUR);
      const res = await renewSelf(token, '1h');
      expect([res.status, res.body.auth.lease_duration]).toEqual([200, 86400]);
    }
    expect((await self(token)).status).toBe(200); // 920 h: beyond the 768 h system max
  });

  it('refuses batch tokens, non-renewable tokens and the root token', async () => {
    const batch = await createToken(mock, ['default'], { type: 'batch', ttl: '1h' });
    expect(batch).toMatch(/^hvb\./);
    expectErrors(await renewSelf(batch), 400, ['batch tokens cannot be renewed']);
    expectErrors(await call(mock, 'POST', 'auth/token/revoke-self', undefined, { token: batch }), 400, [
      'batch tokens cannot be revoked',
    ]);
    const fixed = await createToken(mock, ['default'], { renewable: false, ttl: '1h' });
    expectErrors(await renewSelf(fixed), 400, ['lease is not renewable']);
    expectErrors(await renewSelf(mock.rootToken), 400, ['invalid lease ID']);
  });
});

describe('dead tokens', () => {
  it('revoke-self answers 204 with Vault’s headers and the token is gone', async () => {
    const token = await podToken();
    const res = await call(mock, 'POST', 'auth/token/revoke-self', undefined, { token });
    expect([res.status, res.text]).toEqual([204, '']);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    for (const [method, path] of [
      ['GET', 'auth/token/lookup-self'],
      ['POST', 'auth/token/renew-self'],
      ['POST', 'auth/token/revoke-self'],
      ['GET', 'secret/data/myapp/config'],
    ]) {
      expectErrors(await call(mock, method!, path!, undefined, { token }), 403, [INVALID_TOKEN]);
    }
  });

  it('an expired token gets the two-error 403; no token gets the bare one', async () => {
    const token = await podToken({ token_ttl: '1h' });
    await mock.clock.advance(HOUR - 1000);
    expect((await self(token)).status).toBe(200);
    await mock.clock.advance(1000);
    expectErrors(await self(token), 403, [INVALID_TOKEN]);
    expectErrors(await self(null), 403, ['permission denied']);
    expectErrors(await self('hvs.unknown'), 403, [INVALID_TOKEN]);
  });

  it('takes the token from Authorization: Bearer too, X-Vault-Token winning', async () => {
    const token = await podToken();
    const bearer = await call(mock, 'GET', 'auth/token/lookup-self', undefined, {
      token: null,
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(bearer.body.data.id).toBe(token);
    const both = await call(mock, 'GET', 'auth/token/lookup-self', undefined, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(both.body.data.id).toBe(mock.rootToken);
  });

  it('takes its leases with it, whether revoked or expired', async () => {
    await setupDatabase(mock, 'app', { default_ttl: '24h', max_ttl: '48h' });
    await call(mock, 'PUT', 'sys/policies/acl/myapp-policy', {
      policy: 'path "database/creds/app" { capabilities = ["read"] }',
    });
    const revoked = await podToken({ token_ttl: '1h' });
    const lease = (await call(mock, 'GET', 'database/creds/app', undefined, { token: revoked })).body
      .lease_id;
    expect(mock.leases().map((l) => l.id)).toEqual([lease]);
    await call(mock, 'POST', 'auth/token/revoke-self', undefined, { token: revoked });
    expect(mock.leases()).toEqual([]);
    expectErrors(await call(mock, 'PUT', 'sys/leases/lookup', { lease_id: lease }), 400, ['invalid lease']);

    const expiring = (
      await login(
        mock,
        'myapp-role',
        await mock.cluster.mintToken({
          namespace: 'default',
          serviceAccount: 'myapp-sa',
          audiences: ['vault'],
        }),
      )
    ).body.auth.client_token;
    await call(mock, 'GET', 'database/creds/app', undefined, { token: expiring });
    expect(mock.leases()).toHaveLength(1);
    await mock.clock.advance(HOUR);
    expect(mock.leases()).toEqual([]);
  });
});

describe('sys/leases', () => {
  async function dbLease(ttls = { default_ttl: '1h', max_ttl: '2h' }): Promise<string> {
    await setupDatabase(mock, 'app', ttls);
    return (await call(mock, 'GET', 'database/creds/app')).body.lease_id;
  }

  it('renews, caps at the role’s max TTL with the warning, then the lease is gone', async () => {
    const lease = await dbLease();
    await mock.clock.advance(50 * MINUTE);
    const renewed = await call(mock, 'PUT', 'sys/leases/renew', { lease_id: lease, increment: 3600 });
    expect(renewed.status).toBe(200);
    expect(renewed.body).toMatchObject({
      lease_id: lease,
      renewable: true,
      lease_duration: 3600,
      data: null,
      warnings: null,
    });
    await mock.clock.advance(50 * MINUTE);
    const capped = await call(mock, 'PUT', 'sys/leases/renew', { lease_id: lease, increment: '1h' });
    expect(capped.body).toMatchObject({ lease_id: lease, lease_duration: 1200 });
    expect(capped.body.warnings).toEqual([
      'TTL of "1h" exceeded the effective max_ttl of "20m"; TTL value is capped accordingly',
    ]);
    const looked = await call(mock, 'PUT', 'sys/leases/lookup', { lease_id: lease });
    expect(looked.body.data).toMatchObject({ id: lease, renewable: true, ttl: 1200 });
    expect(looked.body.data.last_renewal).toMatch(RFC3339);
    await mock.clock.advance(20 * MINUTE);
    expectErrors(await call(mock, 'PUT', 'sys/leases/renew', { lease_id: lease }), 400, ['lease not found']);
  });

  it('refuses a renewal past the max TTL with the engine’s error, 400', async () => {
    const lease = await dbLease();
    await mock.clock.advance(50 * MINUTE);
    await call(mock, 'POST', 'database/roles/app', { max_ttl: '30m' });
    // The expiration manager's renewEntry wraps the engine's error with the %#v of its nil response.
    expectErrors(await call(mock, 'PUT', 'sys/leases/renew', { lease_id: lease }), 400, [
      'failed to renew entry: resp: (*logical.Response)(nil) err: past the max TTL, cannot renew',
    ]);
  });

  it('answers Vault’s errors for missing, unknown and token leases', async () => {
    const token = await podToken();
    expectErrors(await call(mock, 'PUT', 'sys/leases/renew', {}), 400, ['lease_id must be specified']);
    expectErrors(await call(mock, 'PUT', 'sys/leases/revoke', {}), 400, ['lease_id must be specified']);
    expectErrors(await call(mock, 'PUT', 'sys/leases/renew', { lease_id: 'database/creds/app/nope' }), 400, [
      'lease not found',
    ]);
    expectErrors(await call(mock, 'PUT', 'sys/leases/lookup', { lease_id: 'nope' }), 400, ['invalid lease']);
    const listed = await call(mock, 'LIST', 'sys/leases/lookup/auth/kubernetes/login');
    expect(listed.body.data.keys).toHaveLength(1);
    const tokenLease = `auth/kubernetes/login/${listed.body.data.keys[0]}`;
    expect(tokenLease).toMatch(/^auth\/kubernetes\/login\/h[0-9a-f]{64}$/);
    expectErrors(await call(mock, 'PUT', 'sys/leases/renew', { lease_id: tokenLease }), 400, [
      'tokens cannot be renewed through this endpoint',
    ]);
    expect((await call(mock, 'PUT', 'sys/leases/revoke', { lease_id: tokenLease })).status).toBe(204);
    expectErrors(await self(token), 403, [INVALID_TOKEN]);
  });

  it('revokes asynchronously with 202 when sync is false, and by prefix with sudo', async () => {
    const lease = await dbLease();
    const queued = await call(mock, 'PUT', 'sys/leases/revoke', { lease_id: lease, sync: false });
    expect([queued.status, queued.text]).toEqual([202, '']);
    expect(mock.leases()).toEqual([]);
    await call(mock, 'GET', 'database/creds/app');
    await call(mock, 'GET', 'database/creds/app');
    const plain = await createToken(mock, ['default']);
    expectErrors(
      await call(mock, 'PUT', 'sys/leases/revoke-prefix/database/creds', undefined, { token: plain }),
      403,
      ['1 error occurred:\n\t* permission denied\n\n'],
    );
    expect(mock.leases()).toHaveLength(2);
    expect((await call(mock, 'PUT', 'sys/leases/revoke-prefix/database/creds')).status).toBe(204);
    expect(mock.leases()).toEqual([]);
  });

  it('lets the default policy renew and look up a lease by id', async () => {
    const lease = await dbLease();
    const plain = await createToken(mock, ['default']);
    expect((await call(mock, 'PUT', 'sys/leases/renew', { lease_id: lease }, { token: plain })).status).toBe(
      200,
    );
    expect((await call(mock, 'PUT', 'sys/leases/lookup', { lease_id: lease }, { token: plain })).status).toBe(
      200,
    );
    expectErrors(await call(mock, 'PUT', 'sys/leases/revoke', { lease_id: lease }, { token: plain }), 403, [
      '1 error occurred:\n\t* permission denied\n\n',
    ]);
  });
});
