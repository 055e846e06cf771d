import { ManualClock, type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, DENIED, enableAuth, expectErrors, type Reply, wrapped } from './support/vault';

/**
 * AppRole as Vault's builtin approle backend behaves, over HTTP. Sources of the strings asserted
 * (hashicorp/vault unless said otherwise; openbao/openbao keeps the same code under internal/):
 *   roles, secret IDs  builtin/credential/approle/path_role.go
 *   login, renewal     builtin/credential/approle/path_login.go
 *   CIDR subset, TTL   builtin/credential/approle/validation.go, sdk/helper/cidrutil/cidr.go
 *   tidy               builtin/credential/approle/path_tidy_user_id.go, backend.go (periodic func)
 *   metadata           sdk/helper/strutil (ParseArbitraryKeyValues)
 *   lockout            vault/request_handling.go (handleLoginRequest, isUserLocked,
 *                      getLoginUserInfoKey), internalshared/configutil/userlockout.go
 *   wrapping           vault/wrapping.go, vault/request_handling.go (validateWrappingToken),
 *                      http/handler.go (requestWrapInfo), sdk/helper/consts/error.go
 *   status codes       sdk/logical/response_util.go: error responses 400 verbatim; plain errors
 *                      500, multierror-wrapped outside logins; ErrUnsupportedPath 404
 */
const START = Date.UTC(2030, 0, 1);
let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault({ clock: new ManualClock(START) });
  await enableAuth(mock, 'approle');
});
afterEach(async () => {
  await mock.close();
});

const write = async (path: string, body: Record<string, unknown> = {}): Promise<Reply> => {
  const res = await call(mock, 'POST', `auth/approle/${path}`, body);
  expect(res.status, `${path}: ${res.text}`).toBeLessThan(300);
  return res;
};
const roleId = async (role = 'app'): Promise<string> =>
  (await call(mock, 'GET', `auth/approle/role/${role}/role-id`)).body.data.role_id;
const secretId = async (role = 'app', fields: Record<string, unknown> = {}) =>
  (await write(`role/${role}/secret-id`, fields)).body.data as {
    secret_id: string;
    secret_id_accessor: string;
    secret_id_ttl: number;
    secret_id_num_uses: number;
  };
const login = (body: Record<string, unknown>) =>
  call(mock, 'POST', 'auth/approle/login', body, { token: null });

describe('roles (path_role.go)', () => {
  it('creates a role with Vault’s defaults and a random role ID', async () => {
    expect((await call(mock, 'POST', 'auth/approle/role/App', { token_policies: 'a' })).status).toBe(204);
    const { data } = (await call(mock, 'GET', 'auth/approle/role/app')).body;
    expect(data).toEqual({
      bind_secret_id: true,
      secret_id_bound_cidrs: null,
      secret_id_num_uses: 0,
      secret_id_ttl: 0,
      local_secret_ids: false,
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 0,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: ['a'],
      token_type: 'default',
      token_ttl: 0,
    });
    expect(await roleId('APP')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call(mock, 'LIST', 'auth/approle/role')).body.data.keys).toEqual(['app']);
  });

  it('refuses a role nothing constrains, and CIDRs without a mask', async () => {
    expectErrors(
      await call(mock, 'POST', 'auth/approle/role/app', { bind_secret_id: false }),
      500,
      wrapped('at least one constraint should be enabled on the role'),
    );
    expectErrors(
      await call(mock, 'POST', 'auth/approle/role/app', { secret_id_bound_cidrs: '10.0.0.1' }),
      500,
      wrapped('failed to validate CIDR blocks: invalid CIDR address: 10.0.0.1'),
    );
    expectErrors(await call(mock, 'POST', 'auth/approle/role/app', { secret_id_num_uses: -1 }), 400, [
      'secret_id_num_uses cannot be negative',
    ]);
    expectErrors(await call(mock, 'POST', 'auth/approle/role/app', { period: '769h' }), 400, [
      'period of "769h0m0s" is greater than the backend\'s maximum lease TTL of "768h0m0s"',
    ]);
    // A CIDR alone is a constraint.
    expect(
      (
        await call(mock, 'POST', 'auth/approle/role/app', {
          bind_secret_id: false,
          secret_id_bound_cidrs: '127.0.0.1/32',
        })
      ).status,
    ).toBe(204);
    expectErrors(await call(mock, 'POST', 'auth/approle/role/app', { local_secret_ids: true }), 400, [
      'local_secret_ids can only be modified during role creation',
    ]);
  });

  it('adjusts the old default-service token type with a warning, and echoes deprecated names', async () => {
    const res = await write('role/app', { token_type: 'default-service', policies: 'p1,p2', period: '1h' });
    expect(res.body.warnings).toEqual(['default-service has no useful meaning; adjusting to service']);
    const { data } = (await call(mock, 'GET', 'auth/approle/role/app')).body;
    expect(data).toMatchObject({
      token_type: 'service',
      token_policies: ['p1', 'p2'],
      policies: ['p1', 'p2'],
      period: 3600,
    });
  });

  it('takes a chosen role ID, refuses one another role has, and forgets the old one', async () => {
    await write('role/app', { role_id: 'my-role-id' });
    await write('role/other', {});
    expectErrors(
      await call(mock, 'POST', 'auth/approle/role/other/role-id', { role_id: 'my-role-id' }),
      500,
      wrapped('role_id already in use'),
    );
    await write('role/app/role-id', { role_id: 'renamed-id' });
    const { secret_id } = await secretId();
    expect((await login({ role_id: 'renamed-id', secret_id })).status).toBe(200);
    expectErrors(await login({ role_id: 'my-role-id', secret_id }), 400, ['invalid role or secret ID']);
    expectErrors(
      await call(mock, 'POST', 'auth/approle/role/nope/role-id', { role_id: 'x' }),
      404,
      wrapped('unsupported path'),
    );
    expectErrors(await call(mock, 'POST', 'auth/approle/role/app/role-id', {}), 400, ['missing role_id']);
  });

  it('deleting a role destroys its secret IDs and its role ID', async () => {
    await write('role/app', { role_id: 'fixed' });
    const { secret_id } = await secretId();
    expect((await call(mock, 'DELETE', 'auth/approle/role/app')).status).toBe(204);
    await write('role/app', { role_id: 'fixed' });
    expectErrors(await login({ role_id: 'fixed', secret_id }), 400, ['invalid role or secret ID']);
  });
});

describe('secret IDs (path_role.go handleRoleSecretIDCommon, validation.go)', () => {
  beforeEach(async () => {
    await write('role/app', {
      secret_id_num_uses: 3,
      secret_id_ttl: '1h',
      secret_id_bound_cidrs: '127.0.0.0/8',
    });
  });

  it('issues within the role’s limits and shows the accessor, never the value, afterwards', async () => {
    const issued = await secretId('app', { metadata: '{"team":"blue"}', num_uses: 2, ttl: '30m' });
    expect(issued).toMatchObject({ secret_id_num_uses: 2, secret_id_ttl: 1800 });
    const lookup = await write('role/app/secret-id/lookup', { secret_id: issued.secret_id });
    expect(lookup.body.data).toEqual({
      secret_id_accessor: issued.secret_id_accessor,
      secret_id_num_uses: 2,
      secret_id_ttl: 1800,
      creation_time: '2030-01-01T00:00:00Z',
      expiration_time: '2030-01-01T00:30:00Z',
      last_updated_time: '2030-01-01T00:00:00Z',
      metadata: { team: 'blue' },
      cidr_list: null,
      token_bound_cidrs: [],
    });
    expect(lookup.text).not.toContain(issued.secret_id);
    const listed = await call(mock, 'LIST', 'auth/approle/role/app/secret-id');
    expect(listed.body.data.keys).toEqual([issued.secret_id_accessor]);
  });

  it('refuses to widen the role’s use count, TTL or CIDR blocks', async () => {
    const refuse = async (fields: Record<string, unknown>, status: number, errors: string[]) =>
      expectErrors(await call(mock, 'POST', 'auth/approle/role/app/secret-id', fields), status, errors);
    await refuse({ num_uses: 4 }, 400, ["num_uses cannot be higher than the role's secret_id_num_uses"]);
    await refuse({ num_uses: 0 }, 400, ["num_uses cannot be higher than the role's secret_id_num_uses"]);
    await refuse({ num_uses: -1 }, 400, ['num_uses cannot be negative']);
    await refuse({ ttl: '2h' }, 400, ["ttl cannot be longer than the role's secret_id_ttl"]);
    await refuse({ ttl: 0 }, 400, ["ttl cannot be longer than the role's secret_id_ttl"]);
    await refuse(
      { cidr_list: '10.0.0.0/8' },
      500,
      wrapped(
        'failed to verify subset relationship between CIDR blocks on the role ["127.0.0.0/8"] and CIDR blocks on the secret ID ["10.0.0.0/8"]: %!w(<nil>)',
      ),
    );
    await refuse(
      { cidr_list: '127.0.0.1' },
      500,
      wrapped('failed to validate CIDR blocks: invalid CIDR address: 127.0.0.1'),
    );
    await refuse({ metadata: 'team' }, 400, [
      'failed to parse metadata: failed to parse the input: invalid <key,value> format',
    ]);
    await refuse({ metadata: 'team=' }, 400, ['failed to parse metadata: invalid value for key "team"']);
    expectErrors(await call(mock, 'POST', 'auth/approle/role/nope/secret-id', {}), 404, [
      'role "nope" does not exist',
    ]);
  });

  it('caps a TTL beyond the mount’s maximum at it', async () => {
    await write('role/long', { secret_id_ttl: '1000h' });
    expect((await secretId('long')).secret_id_ttl).toBe(768 * 3600);
  });

  it('needs bind_secret_id to issue one', async () => {
    await write('role/open', { bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.1/32' });
    expectErrors(await call(mock, 'POST', 'auth/approle/role/open/secret-id', {}), 400, [
      'bind_secret_id is not set on the role',
    ]);
  });

  it('takes a custom secret ID once', async () => {
    const custom = { secret_id: 'my-own-secret-id' };
    expect((await write('role/app/custom-secret-id', custom)).body.data.secret_id).toBe('my-own-secret-id');
    expectErrors(
      await call(mock, 'POST', 'auth/approle/role/app/custom-secret-id', custom),
      500,
      wrapped('failed to store secret_id: SecretID is already registered'),
    );
    expectErrors(await call(mock, 'POST', 'auth/approle/role/app/custom-secret-id', {}), 400, [
      'missing secret_id',
    ]);
    expect((await login({ role_id: await roleId(), secret_id: 'my-own-secret-id' })).status).toBe(200);
  });

  it('looks up and destroys by value and by accessor', async () => {
    const first = await secretId();
    const second = await secretId();
    // Unknown values are no error: an update that answers nothing is a 204.
    expect(
      (await call(mock, 'POST', 'auth/approle/role/app/secret-id/lookup', { secret_id: 'nope' })).status,
    ).toBe(204);
    expectErrors(await call(mock, 'POST', 'auth/approle/role/app/secret-id/lookup', {}), 400, [
      'missing secret_id',
    ]);
    expectErrors(
      await call(mock, 'POST', 'auth/approle/role/nope/secret-id/lookup', { secret_id: first.secret_id }),
      500,
      wrapped('role "nope" does not exist'),
    );
    const byAccessor = await write('role/app/secret-id-accessor/lookup', {
      secret_id_accessor: first.secret_id_accessor,
    });
    expect(byAccessor.body.data.secret_id_accessor).toBe(first.secret_id_accessor);
    expectErrors(
      await call(mock, 'POST', 'auth/approle/role/app/secret-id-accessor/lookup', {
        secret_id_accessor: 'nope',
      }),
      404,
      ['failed to find accessor entry for secret_id_accessor: "nope"'],
    );

    expect(
      (await call(mock, 'POST', 'auth/approle/role/app/secret-id/destroy', { secret_id: first.secret_id }))
        .status,
    ).toBe(204);
    expect(
      (
        await call(mock, 'POST', 'auth/approle/role/app/secret-id-accessor/destroy', {
          secret_id_accessor: second.secret_id_accessor,
        })
      ).status,
    ).toBe(204);
    expectErrors(
      await call(mock, 'POST', 'auth/approle/role/app/secret-id-accessor/destroy', {
        secret_id_accessor: 'nope',
      }),
      500,
      wrapped('failed to find accessor entry for secret_id_accessor: "nope"'),
    );
    const id = await roleId();
    for (const gone of [first, second]) {
      expectErrors(await login({ role_id: id, secret_id: gone.secret_id }), 400, [
        'invalid role or secret ID',
      ]);
    }
    expect((await call(mock, 'LIST', 'auth/approle/role/app/secret-id')).status).toBe(404);
  });

  it('keeps another role’s accessor out of reach', async () => {
    await write('role/other', {});
    const theirs = await secretId('other');
    expect(
      (
        await call(mock, 'POST', 'auth/approle/role/app/secret-id-accessor/lookup', {
          secret_id_accessor: theirs.secret_id_accessor,
        })
      ).status,
    ).toBe(204);
    expectErrors(
      await call(mock, 'POST', 'auth/approle/role/app/secret-id-accessor/destroy', {
        secret_id_accessor: theirs.secret_id_accessor,
      }),
      403,
      ['invalid secret id accessor'],
    );
    expect((await login({ role_id: await roleId('other'), secret_id: theirs.secret_id })).status).toBe(200);
  });
});

describe('login (path_login.go)', () => {
  it('issues a token with the role’s policies and the secret ID’s metadata', async () => {
    const creds = await mock.setupAppRole({ secretIdFields: { metadata: 'team=blue' } });
    const res = await login({ role_id: creds.roleId, secret_id: creds.secretId });
    expect(res.status, res.text).toBe(200);
    expect(res.body.auth).toMatchObject({
      policies: ['default', 'myapp-policy'],
      metadata: { role_name: 'myapp-role', team: 'blue' },
      lease_duration: 3600,
      renewable: true,
      token_type: 'service',
    });
    const self = await call(mock, 'GET', 'auth/token/lookup-self', undefined, {
      token: res.body.auth.client_token,
    });
    expect(self.body.data).toMatchObject({ display_name: 'approle', path: 'auth/approle/login' });
  });

  it('answers in Vault’s order: alias, role ID, secret ID', async () => {
    const creds = await mock.setupAppRole();
    // The core's user lockout needs the alias (the role ID) before the method even runs.
    expectErrors(await login({ secret_id: creds.secretId }), 500, [
      'failed to determine alias name from login request',
    ]);
    expectErrors(await login({ role_id: 'nope', secret_id: creds.secretId }), 400, [
      'invalid role or secret ID',
    ]);
    expectErrors(await login({ role_id: creds.roleId }), 400, ['missing secret_id']);
    expectErrors(await login({ role_id: creds.roleId, secret_id: 'wrong' }), 400, [
      'invalid role or secret ID',
    ]);
    expect((await login({ role_id: ` ${creds.roleId} `, secret_id: ` ${creds.secretId} ` })).status).toBe(
      200,
    );
    // Declared fields (sdk/framework/backend.go): anything else is named in a warning.
    const extra = await login({ role_id: creds.roleId, secret_id: creds.secretId, role_name: 'myapp-role' });
    expect(extra.body.warnings).toEqual(['Endpoint ignored these unrecognized parameters: [role_name]']);
  });

  it('counts a secret ID’s uses, then forgets it', async () => {
    const creds = await mock.setupAppRole({ roleFields: { secret_id_num_uses: 2 } });
    const body = { role_id: creds.roleId, secret_id: creds.secretId };
    expect((await login(body)).status).toBe(200);
    const left = await write('role/myapp-role/secret-id-accessor/lookup', {
      secret_id_accessor: creds.secretIdAccessor,
    });
    expect(left.body.data.secret_id_num_uses).toBe(1);
    expect((await login(body)).status).toBe(200);
    expectErrors(await login(body), 400, ['invalid role or secret ID']);
  });

  it('expires secret IDs at the backend’s periodic tidy, as Vault does, or at tidy/secret-id', async () => {
    // Mounted at START; the periodic function runs every minute from then on.
    const creds = await mock.setupAppRole({ roleFields: { secret_id_ttl: 60 } });
    const body = { role_id: creds.roleId, secret_id: creds.secretId };
    await mock.clock.advance(119_000); // expired at +60 s, but the tidy at +60 s found it still valid
    expect((await login(body)).status).toBe(200);
    await mock.clock.advance(1000); // the tidy at +120 s removes it
    expectErrors(await login(body), 400, ['invalid role or secret ID']);

    const next = await secretId('myapp-role');
    await mock.clock.advance(61_000);
    const tidy = await call(mock, 'POST', 'auth/approle/tidy/secret-id', {});
    expect(tidy.status).toBe(202);
    expect(tidy.body.warnings).toEqual([
      "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.",
    ]);
    expectErrors(await login({ role_id: creds.roleId, secret_id: next.secret_id }), 400, [
      'invalid role or secret ID',
    ]);
  });

  it('checks the role’s secret_id_bound_cidrs against the client address, even without a secret ID', async () => {
    await write('role/open', { bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.0/8' });
    const id = await roleId('open');
    expect((await login({ role_id: id })).status).toBe(200);
    await write('role/open', { secret_id_bound_cidrs: '10.0.0.0/8' });
    expectErrors(await login({ role_id: id }), 400, [
      'source address "127.0.0.1" unauthorized by CIDR restrictions on the role: %!w(<nil>)',
    ]);
    // The socket's address counts, not what a client claims (Vault trusts X-Forwarded-For only when configured to).
    const forwarded = await call(
      mock,
      'POST',
      'auth/approle/login',
      { role_id: id },
      {
        token: null,
        headers: { 'X-Forwarded-For': '10.0.0.5' },
      },
    );
    expectErrors(forwarded, 400, [
      'source address "127.0.0.1" unauthorized by CIDR restrictions on the role: %!w(<nil>)',
    ]);
  });

  it('checks a secret ID’s cidr_list, after spending a use if it has a limit', async () => {
    await write('role/app', { secret_id_num_uses: 5 });
    const id = await roleId();
    const unlimited = await secretId('app', { num_uses: 5, cidr_list: '10.0.0.0/8' });
    expectErrors(await login({ role_id: id, secret_id: unlimited.secret_id }), 400, [
      'source address "127.0.0.1" unauthorized by CIDR restrictions on the secret ID: %!w(<nil>)',
    ]);
    const left = await write('role/app/secret-id/lookup', { secret_id: unlimited.secret_id });
    expect(left.body.data.secret_id_num_uses).toBe(4);

    await write('role/any', {});
    const noLimit = await secretId('any', { cidr_list: '10.0.0.0/8' });
    expectErrors(await login({ role_id: await roleId('any'), secret_id: noLimit.secret_id }), 400, [
      'source address "127.0.0.1" unauthorized through CIDR restrictions on the secret ID',
    ]);
    const local = await secretId('any', { cidr_list: '127.0.0.1/32' });
    expect((await login({ role_id: await roleId('any'), secret_id: local.secret_id })).status).toBe(200);
  });

  it('binds the token to the secret ID’s token_bound_cidrs, checked on every use', async () => {
    const creds = await mock.setupAppRole({ secretIdFields: { token_bound_cidrs: '10.0.0.0/8' } });
    const res = await login({ role_id: creds.roleId, secret_id: creds.secretId });
    expect(res.status, res.text).toBe(200);
    // vault/request_handling.go CheckToken: the token may only be used from its blocks.
    expectErrors(
      await call(mock, 'GET', 'auth/token/lookup-self', undefined, { token: res.body.auth.client_token }),
      403,
      [DENIED],
    );
    const local = await mock.setupAppRole({ role: 'local', roleFields: { token_bound_cidrs: '127.0.0.1' } });
    const ok = await login({ role_id: local.roleId, secret_id: local.secretId });
    expect(
      (await call(mock, 'GET', 'auth/token/lookup-self', undefined, { token: ok.body.auth.client_token }))
        .status,
    ).toBe(200);
  });

  it('locks a role ID out after five wrong secret IDs for fifteen minutes, the right one included', async () => {
    const creds = await mock.setupAppRole();
    for (let i = 0; i < 5; i++) {
      expectErrors(await login({ role_id: creds.roleId, secret_id: `wrong-${i}` }), 400, [
        'invalid role or secret ID',
      ]);
    }
    const right = { role_id: creds.roleId, secret_id: creds.secretId };
    expectErrors(await login(right), 403, ['permission denied']);
    await mock.clock.advance(15 * 60_000 - 1000);
    expectErrors(await login(right), 403, ['permission denied']);
    await mock.clock.advance(1000);
    expect((await login(right)).status).toBe(200);
  });

  it('clears the failure count on success and does not count unknown role IDs', async () => {
    const creds = await mock.setupAppRole();
    const right = { role_id: creds.roleId, secret_id: creds.secretId };
    for (let i = 0; i < 4; i++) await login({ role_id: creds.roleId, secret_id: 'wrong' });
    expect((await login(right)).status).toBe(200);
    for (let i = 0; i < 4; i++) await login({ role_id: creds.roleId, secret_id: 'wrong' });
    expect((await login(right)).status).toBe(200);
    for (let i = 0; i < 10; i++) await login({ role_id: 'unknown', secret_id: 'wrong' });
    expectErrors(await login({ role_id: 'unknown', secret_id: 'wrong' }), 400, ['invalid role or secret ID']);
  });

  it('renews from the current role, and not once the role is gone', async () => {
    const creds = await mock.setupAppRole();
    const token = (await login({ role_id: creds.roleId, secret_id: creds.secretId })).body.auth.client_token;
    await write('role/myapp-role', { token_ttl: '2h' });
    const renewed = await call(mock, 'POST', 'auth/token/renew-self', {}, { token });
    expect(renewed.body.auth.lease_duration).toBe(7200);
    expect((await call(mock, 'DELETE', 'auth/approle/role/myapp-role')).status).toBe(204);
    expectErrors(
      await call(mock, 'POST', 'auth/token/renew-self', {}, { token }),
      500,
      wrapped('failed to renew entry: role "myapp-role" does not exist during renewal'),
    );
  });

  it('never puts a secret ID in an answer after issuing it', async () => {
    const creds = await mock.setupAppRole();
    const answers = [
      await login({ role_id: creds.roleId, secret_id: `${creds.secretId}x` }),
      await call(mock, 'LIST', 'auth/approle/role/myapp-role/secret-id'),
      await call(mock, 'POST', 'auth/approle/role/myapp-role/secret-id-accessor/lookup', {
        secret_id_accessor: creds.secretIdAccessor,
      }),
      await login({ role_id: creds.roleId, secret_id: creds.secretId }),
    ];
    for (const answer of answers) expect(answer.text).not.toContain(creds.secretId);
  });
});

describe('response wrapping of a secret ID (vault/wrapping.go)', () => {
  const unwrap = (token: string, body?: Record<string, unknown>) =>
    call(mock, 'POST', 'sys/wrapping/unwrap', body, { token });

  it('hands the secret ID over once, through a single-use wrapping token', async () => {
    await write('role/app', {});
    const res = await call(
      mock,
      'POST',
      'auth/approle/role/app/secret-id',
      {},
      { headers: { 'X-Vault-Wrap-TTL': '60s' } },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toBeNull();
    const info = res.body.wrap_info;
    expect(info).toMatchObject({ ttl: 60, creation_path: 'auth/approle/role/app/secret-id' });
    expect(info.token).toMatch(/^hvs\./);

    const lookup = await call(mock, 'POST', 'sys/wrapping/lookup', { token: info.token }, { token: null });
    expect(lookup.body.data).toMatchObject({
      creation_path: 'auth/approle/role/app/secret-id',
      creation_ttl: 60,
    });
    const unwrapped = await unwrap(info.token);
    expect(unwrapped.status, unwrapped.text).toBe(200);
    const { secret_id, secret_id_accessor } = unwrapped.body.data;
    expect(info.wrapped_accessor).toBe(secret_id_accessor);
    expect((await login({ role_id: await roleId(), secret_id })).status).toBe(200);
    expectErrors(await unwrap(info.token), 400, ['wrapping token is not valid or does not exist']);

    // The wrapping token opens nothing but its own cubbyhole, and a refused request spends its
    // single use like any other (request_handling.go runs UseToken before the policy check).
    const other = (
      await call(
        mock,
        'POST',
        'auth/approle/role/app/secret-id',
        {},
        { headers: { 'X-Vault-Wrap-TTL': '60s' } },
      )
    ).body.wrap_info.token as string;
    expectErrors(await call(mock, 'GET', 'auth/approle/role/app', undefined, { token: other }), 403, [
      DENIED,
    ]);
    expectErrors(await unwrap(other), 400, ['wrapping token is not valid or does not exist']);
  });

  it('unwraps with the token in the body too, and not after the wrap TTL', async () => {
    await write('role/app', {});
    const wrap = async () =>
      (
        await call(
          mock,
          'POST',
          'auth/approle/role/app/secret-id',
          {},
          { headers: { 'X-Vault-Wrap-TTL': '60' } },
        )
      ).body.wrap_info.token as string;
    const first = await wrap();
    expect((await unwrap(mock.rootToken, { token: first })).body.data.secret_id).toMatch(/^[0-9a-f-]{36}$/);
    const second = await wrap();
    await mock.clock.advance(60_000);
    expectErrors(await unwrap(second), 400, ['wrapping token is not valid or does not exist']);
    expectErrors(await unwrap(mock.rootToken, { token: '' }), 403, [
      'error validating wrapping token: empty token in request body',
    ]);
  });

  it('refuses a negative or malformed wrap TTL (http/handler.go)', async () => {
    await write('role/app', {});
    const wrapWith = (ttl: string) =>
      call(mock, 'POST', 'auth/approle/role/app/secret-id', {}, { headers: { 'X-Vault-Wrap-TTL': ttl } });
    expectErrors(await wrapWith('-5'), 400, ['requested wrap ttl cannot be negative']);
    expectErrors(await wrapWith('soon'), 400, ['time: invalid duration "soon"']);
    expect((await wrapWith('0')).body.data.secret_id).toBeTruthy(); // 0: not wrapped
  });
});
