import { ManualClock, type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, enableAuth, expectErrors, wrapped } from './support/vault';

/**
 * The userpass auth method as Vault's builtin backend behaves, over HTTP. Sources of the strings
 * asserted (hashicorp/vault unless said otherwise):
 *   users, password, policies  builtin/credential/userpass/path_users.go, path_user_password.go,
 *                              path_user_policies.go; sdk/helper/tokenutil/tokenutil.go
 *   login, renewal             builtin/credential/userpass/path_login.go; vault/expiration.go
 *                              (RenewToken: nothing renewed when the method answers nothing)
 *   lockout                    vault/request_handling.go; internalshared/configutil/userlockout.go
 *   password length            golang.org/x/crypto/bcrypt (ErrPasswordTooLong)
 *   status codes               sdk/logical/response_util.go
 */
const START = Date.UTC(2030, 0, 1);
let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault({ clock: new ManualClock(START) });
  await enableAuth(mock, 'userpass');
});
afterEach(async () => {
  await mock.close();
});

const user = async (name: string, fields: Record<string, unknown>) => {
  const res = await call(mock, 'POST', `auth/userpass/users/${name}`, fields);
  expect(res.status, res.text).toBe(204);
};
const login = (name: string, password?: string) =>
  call(mock, 'POST', `auth/userpass/login/${name}`, password === undefined ? {} : { password }, {
    token: null,
  });

describe('users (path_users.go, path_user_password.go, path_user_policies.go)', () => {
  it('needs a password to create a user, and never shows it', async () => {
    expectErrors(await call(mock, 'POST', 'auth/userpass/users/alice', { token_policies: 'dev' }), 400, [
      'missing password',
    ]);
    await user('Alice', { password: 'correct horse', token_policies: 'dev', ttl: '1h' });
    const read = await call(mock, 'GET', 'auth/userpass/users/ALICE');
    expect(read.body.data).toEqual({
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 0,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: ['dev'],
      token_type: 'default',
      token_ttl: 3600,
      ttl: 3600,
    });
    expect(read.text).not.toContain('correct horse');
    expect((await call(mock, 'LIST', 'auth/userpass/users')).body.data.keys).toEqual(['alice']);
    // Updates may leave the password out; an empty one is refused.
    await user('alice', { token_ttl: '2h' });
    expectErrors(await call(mock, 'POST', 'auth/userpass/users/alice', { password: '' }), 400, [
      'missing password',
    ]);
  });

  it('refuses a password bcrypt cannot hash (over 72 bytes) as an internal error', async () => {
    expectErrors(
      await call(mock, 'POST', 'auth/userpass/users/bob', { password: 'x'.repeat(73) }),
      500,
      wrapped('bcrypt: password length exceeds 72 bytes'),
    );
    await user('bob', { password: 'y'.repeat(72) });
    // bcrypt compares the first 72 bytes only.
    expect((await login('bob', `${'y'.repeat(72)}and more`)).status).toBe(200);
  });

  it('changes a password: the old one stops working', async () => {
    await user('alice', { password: 'old-password' });
    expect(
      (await call(mock, 'POST', 'auth/userpass/users/alice/password', { password: 'new-password' })).status,
    ).toBe(204);
    expectErrors(await login('alice', 'old-password'), 400, ['invalid username or password']);
    expect((await login('alice', 'new-password')).status).toBe(200);
    expectErrors(await call(mock, 'POST', 'auth/userpass/users/alice/password', {}), 400, [
      'missing password',
    ]);
    expectErrors(
      await call(mock, 'POST', 'auth/userpass/users/nobody/password', { password: 'x' }),
      500,
      wrapped('username does not exist'),
    );
  });

  it('changes policies, and tokens issued before stop renewing', async () => {
    await user('alice', { password: 'pw', token_policies: 'dev' });
    const token = (await login('alice', 'pw')).body.auth.client_token;
    expect((await call(mock, 'POST', 'auth/token/renew-self', {}, { token })).status).toBe(200);
    expect(
      (await call(mock, 'POST', 'auth/userpass/users/alice/policies', { policies: 'dev,ops' })).status,
    ).toBe(204);
    expect((await call(mock, 'GET', 'auth/userpass/users/alice')).body.data).toMatchObject({
      token_policies: ['dev', 'ops'],
      policies: ['dev', 'ops'],
    });
    expectErrors(
      await call(mock, 'POST', 'auth/token/renew-self', {}, { token }),
      500,
      wrapped('failed to renew entry: policies have changed, not renewing'),
    );
    expect((await login('alice', 'pw')).body.auth.policies).toEqual(['default', 'dev', 'ops']);
  });
});

describe('login (path_login.go)', () => {
  it('issues a token named after the user', async () => {
    await user('alice', { password: 'pw', token_policies: 'dev', token_ttl: '30m' });
    const res = await login('ALICE', 'pw');
    expect(res.status, res.text).toBe(200);
    expect(res.body.auth).toMatchObject({
      policies: ['default', 'dev'],
      metadata: { username: 'alice' },
      lease_duration: 1800,
      token_type: 'service',
    });
    const self = await call(mock, 'GET', 'auth/token/lookup-self', undefined, {
      token: res.body.auth.client_token,
    });
    expect(self.body.data).toMatchObject({
      display_name: 'userpass-alice',
      path: 'auth/userpass/login/ALICE',
    });
  });

  it('answers a missing password with 500, an unknown user or a wrong password with 400', async () => {
    await user('alice', { password: 'pw' });
    expectErrors(await login('alice'), 500, ['missing password']);
    expectErrors(await login('nobody', 'pw'), 400, ['invalid username or password']);
    expectErrors(await login('alice', 'PW'), 400, ['invalid username or password']);
  });

  it('checks token_bound_cidrs at login', async () => {
    await user('alice', { password: 'pw', token_bound_cidrs: '10.0.0.0/8' });
    expectErrors(await login('alice', 'pw'), 403, ['permission denied']);
    await user('alice', { token_bound_cidrs: '127.0.0.1' });
    expect((await login('alice', 'pw')).status).toBe(200);
  });

  it('locks a user out after five wrong passwords, per username as typed', async () => {
    await user('alice', { password: 'pw' });
    for (let i = 0; i < 5; i++)
      expectErrors(await login('alice', 'wrong'), 400, ['invalid username or password']);
    expectErrors(await login('alice', 'pw'), 403, ['permission denied']);
    // The lockout keys on the alias the login names; the method lower-cases it afterwards.
    expect((await login('Alice', 'pw')).status).toBe(200);
    await mock.clock.advance(15 * 60_000);
    expect((await login('alice', 'pw')).status).toBe(200);
    // Unknown users are not tracked.
    for (let i = 0; i < 6; i++) await login('nobody', 'wrong');
    expectErrors(await login('nobody', 'wrong'), 400, ['invalid username or password']);
  });

  it('stops renewing, without an error, once the user is deleted', async () => {
    await user('alice', { password: 'pw', token_ttl: '1h' });
    const token = (await login('alice', 'pw')).body.auth.client_token;
    await mock.clock.advance(600_000);
    expect((await call(mock, 'DELETE', 'auth/userpass/users/alice')).status).toBe(204);
    const renewal = await call(mock, 'POST', 'auth/token/renew-self', {}, { token });
    expect([renewal.status, renewal.text]).toEqual([204, '']);
    const self = await call(mock, 'GET', 'auth/token/lookup-self', undefined, { token });
    expect(self.body.data.ttl).toBe(3000);
  });

  it('never puts a password in an answer', async () => {
    await user('alice', { password: 'hunter2-secret' });
    const answers = [
      await login('alice', 'hunter2-secret'),
      await login('alice', 'hunter2-secretx'),
      await call(mock, 'GET', 'auth/userpass/users/alice'),
    ];
    for (const answer of answers) expect(answer.text).not.toContain('hunter2');
  });
});
