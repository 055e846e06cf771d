import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, expectShape } from './support/vault';

let mock: MockVault;

/** Over real HTTP, as any client reaches Vault; status and body, which is what these tests compare. */
const api = async (method: string, path: string, body?: unknown, token?: string) => {
  const { status, body: answer } = await call(mock, method, path, body, token === undefined ? {} : { token });
  return { status, body: answer };
};

const put = (path: string, body: unknown = {}, token?: string) => api('POST', path, body, token);
const get = (path: string, token?: string) => api('GET', path, undefined, token);

const HOUR = 3_600_000;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

beforeEach(async () => {
  mock = await startMockVault();
  await mock.write('sys/mounts/database', { type: 'database' });
  await mock.write('database/config/app-db', {
    plugin_name: 'in-memory-database-plugin',
    connection_url: 'postgresql://{{username}}:{{password}}@db.internal:5432/app',
    username: 'vault-admin',
    password: 'root-secret',
    allowed_roles: 'readonly,static-*',
  });
  await mock.write('database/roles/readonly', {
    db_name: 'app-db',
    creation_statements:
      'CREATE ROLE "{{name}}" WITH LOGIN PASSWORD \'{{password}}\'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";',
    default_ttl: '1h',
    max_ttl: '2h',
  });
});

afterEach(async () => {
  await mock.close();
});

describe('fixtures (vault-fixtures.json database_*)', () => {
  it('database_creds: a fresh user with a renewable lease', async () => {
    const res = await get('database/creds/readonly');
    expect(res.status).toBe(200);
    expectShape(res.body, {
      data: { username: 'root-1430158508-126', password: '132ae3ef-5a64-7499-351e-bfe59f3a2a21' },
    });
    expect(Object.keys(res.body.data).sort()).toEqual(['password', 'username']);
    expect(res.body).toMatchObject({
      renewable: true,
      lease_duration: 3600,
      warnings: null,
      auth: null,
      wrap_info: null,
    });
    expect(res.body.lease_id).toMatch(/^database\/creds\/readonly\/[0-9A-Za-z]{24}$/);
    // PostgreSQL's default template: v-<display name|8>-<role|8>-<random 20>-<unix time>.
    const unix = Math.floor(mock.clock.now() / 1000);
    expect(res.body.data.username).toMatch(new RegExp(`^v-root-readonly-[0-9A-Za-z]{20}-${unix}$`));
    const password: string = res.body.data.password;
    expect(password).toMatch(/^[A-Za-z0-9-]{20}$/);
    for (const set of [/[a-z]/, /[A-Z]/, /[0-9]/, /-/]) expect(password).toMatch(set);
  });

  it('database_static_creds: no lease, rotation fields', async () => {
    await mock.write('database/static-roles/static-app', {
      db_name: 'app-db',
      username: 'static-user',
      rotation_period: 30,
    });
    await mock.clock.advance(2_000);
    const res = await get('database/static-creds/static-app');
    expect(res.status).toBe(200);
    expectShape(res.body, {
      data: {
        username: 'static-user',
        password: '132ae3ef-5a64-7499-351e-bfe59f3a2a21',
        last_vault_rotation: '2019-05-06T15:26:42.525302-05:00',
        rotation_period: 30,
        ttl: 28,
      },
    });
    expect(res.body).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0 });
    expect(res.body.data).toMatchObject({ username: 'static-user', rotation_period: 30, ttl: 28 });
    expect(res.body.data.last_vault_rotation).toMatch(RFC3339);
  });
});

describe('config and roles', () => {
  it('reads a connection without its password', async () => {
    const res = await get('database/config/app-db');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      plugin_name: 'in-memory-database-plugin',
      allowed_roles: ['readonly', 'static-*'],
      connection_details: {
        connection_url: 'postgresql://{{username}}:{{password}}@db.internal:5432/app',
        username: 'vault-admin',
      },
    });
    expect(res.body.data.connection_details).not.toHaveProperty('password');
    expect(JSON.stringify(res.body)).not.toContain('root-secret');
  });

  it('warns about, and redacts, a password inside connection_url', async () => {
    const write = await put('database/config/other', {
      plugin_name: 'in-memory-database-plugin',
      connection_url: 'postgresql://admin:hunter2@db:5432/app',
    });
    expect(write.status).toBe(200);
    expect(write.body.warnings[0]).toMatch(/^Password found in connection_url/);
    const read = await get('database/config/other');
    expect(read.body.data.connection_details.connection_url).toBe('postgresql://admin:xxxxx@db:5432/app');
  });

  it('reads a role back in seconds and lists roles', async () => {
    const res = await get('database/roles/readonly');
    expect(res.body.data).toMatchObject({
      db_name: 'app-db',
      default_ttl: 3600,
      max_ttl: 7200,
      credential_type: 'password',
      revocation_statements: [],
    });
    expect(res.body.data.creation_statements).toHaveLength(1);
    const list = await api('LIST', 'database/roles');
    expect(list.body.data.keys).toEqual(['readonly']);
  });

  it('refuses names shared by a role and a static role', async () => {
    const res = await put('database/static-roles/readonly', {
      db_name: 'app-db',
      username: 'x',
      rotation_period: 60,
    });
    expect(res).toEqual({ status: 400, body: { errors: ['Role and Static Role names must be unique'] } });
  });
});

describe('dynamic credentials', () => {
  it('answers an unknown role with 400', async () => {
    const res = await get('database/creds/nope');
    expect(res).toEqual({ status: 400, body: { errors: ['unknown role: nope'] } });
  });

  it('enforces allowed_roles with Vault’s plain (500) error', async () => {
    await mock.write('database/roles/writer', { db_name: 'app-db', creation_statements: 'CREATE ROLE x' });
    const res = await get('database/creds/writer');
    expect(res).toEqual({
      status: 500,
      body: { errors: ['1 error occurred:\n\t* "writer" is not an allowed role\n\n'] },
    });
  });

  it('registers the user as live, tied to its lease', async () => {
    const res = await get('database/creds/readonly');
    const [user] = mock.databaseUsers({ role: 'readonly' });
    expect(user).toMatchObject({
      username: res.body.data.username,
      password: res.body.data.password,
      kind: 'dynamic',
      live: true,
      leaseId: res.body.lease_id,
      revokedAt: null,
    });
    expect(mock.databaseCredentialWorks(res.body.data.username, res.body.data.password)).toBe(true);
  });

  it('caps a renewal at the role max_ttl with Vault’s warning', async () => {
    const creds = await get('database/creds/readonly');
    await mock.clock.advance(HOUR / 2);
    const first = await put('sys/leases/renew', { lease_id: creds.body.lease_id, increment: 3600 });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      lease_id: creds.body.lease_id,
      renewable: true,
      lease_duration: 3600,
    });
    await mock.clock.advance(50 * 60_000);
    const capped = await put('sys/leases/renew', { lease_id: creds.body.lease_id, increment: 3600 });
    expect(capped.status).toBe(200);
    expect(capped.body.lease_duration).toBe(2400);
    expect(capped.body.warnings).toEqual([
      'TTL of "1h" exceeded the effective max_ttl of "40m"; TTL value is capped accordingly',
    ]);
    const [user] = mock.databaseUsers({ role: 'readonly' });
    expect(user!.validUntil).toBe(mock.clock.now() + 2400_000 + 5_000);
    // At max_ttl the lease ends and the user with it.
    await mock.clock.advance(2400_000);
    expect(mock.databaseUsers({ role: 'readonly' })[0]).toMatchObject({ live: false, endedBy: 'expired' });
  });

  it('fails a renewal once the role is gone', async () => {
    const creds = await get('database/creds/readonly');
    await api('DELETE', 'database/roles/readonly');
    const res = await put('sys/leases/renew', { lease_id: creds.body.lease_id });
    expect(res).toEqual({
      status: 400,
      body: {
        errors: [
          'failed to renew entry: resp: (*logical.Response)(nil) err: error during renew: could not find role with name "readonly"',
        ],
      },
    });
  });

  it('drops the user when the token that created the lease is revoked', async () => {
    const child = await put('auth/token/create', { policies: ['default'] });
    const token: string = child.body.auth.client_token;
    await mock.write('sys/policies/acl/creds', {
      policy: 'path "database/creds/*" { capabilities = ["read"] }',
    });
    const scoped = await put('auth/token/create', { policies: ['creds'] });
    const scopedToken: string = scoped.body.auth.client_token;
    const creds = await get('database/creds/readonly', scopedToken);
    expect(creds.status).toBe(200);
    expect(creds.body.data.username).toMatch(/^v-token-readonly-/);
    expect(mock.leases({ path: 'database/creds/readonly' })).toHaveLength(1);

    const revoked = await put('auth/token/revoke-self', {}, scopedToken);
    expect(revoked.status).toBe(204);
    expect(mock.leases({ path: 'database/creds/readonly' })).toHaveLength(0);
    const [user] = mock.databaseUsers({ role: 'readonly' });
    expect(user).toMatchObject({ live: false, endedBy: 'revoked', revokedAt: mock.clock.now() });
    expect(user!.leaseId).toBe(creds.body.lease_id);
    expect(mock.databaseCredentialWorks(creds.body.data.username, creds.body.data.password)).toBe(false);
    // Unrelated tokens keep working.
    expect((await get('auth/token/lookup-self', token)).status).toBe(200);
  });

  it('drops the user when its lease expires on the mock clock', async () => {
    const creds = await get('database/creds/readonly');
    await mock.clock.advance(HOUR - 1_000);
    expect(mock.databaseUsers({ live: true })).toHaveLength(1);
    await mock.clock.advance(1_000);
    const [user] = mock.databaseUsers({ role: 'readonly' });
    expect(user).toMatchObject({ live: false, endedBy: 'expired', leaseId: creds.body.lease_id });
    const renew = await put('sys/leases/renew', { lease_id: creds.body.lease_id });
    expect(renew.status).toBe(400);
  });

  it('drops the user on sys/leases/revoke', async () => {
    const creds = await get('database/creds/readonly');
    expect((await put('sys/leases/revoke', { lease_id: creds.body.lease_id })).status).toBe(204);
    expect(mock.databaseUsers({ live: false })).toHaveLength(1);
  });

  it('uses the mount default TTL for a role without one, and its max as the cap', async () => {
    await mock.write('sys/mounts/db2', {
      type: 'database',
      config: { default_lease_ttl: '10m', max_lease_ttl: '20m' },
    });
    await mock.write('db2/config/pg', { plugin_name: 'in-memory-database-plugin', allowed_roles: '*' });
    await mock.write('db2/roles/app', { db_name: 'pg' });
    const creds = await get('db2/creds/app');
    expect(creds.body.lease_duration).toBe(600);
    await mock.write('db2/roles/long', { db_name: 'pg', default_ttl: '1h' });
    const capped = await get('db2/creds/long');
    expect(capped.body.lease_duration).toBe(1200);
    expect(capped.body.warnings).toEqual([
      'TTL of "1h" exceeded the effective max_ttl of "20m"; TTL value is capped accordingly',
    ]);
    expect(mock.databaseUsers({ mount: 'db2' })).toHaveLength(2);
  });
});

describe('static roles', () => {
  it('rotates the password when the period elapses on the mock clock', async () => {
    await mock.write('database/static-roles/static-app', {
      db_name: 'app-db',
      username: 'app',
      rotation_period: '1h',
    });
    const first = await get('database/static-creds/static-app');
    expect(first.body.data.ttl).toBe(3600);
    await mock.clock.advance(HOUR - 10_000);
    const same = await get('database/static-creds/static-app');
    expect(same.body.data.password).toBe(first.body.data.password);
    expect(same.body.data.ttl).toBe(10);
    await mock.clock.advance(20_000);
    const rotated = await get('database/static-creds/static-app');
    expect(rotated.body.data.password).not.toBe(first.body.data.password);
    expect(rotated.body.data.ttl).toBe(3590);
    expect(Date.parse(rotated.body.data.last_vault_rotation)).toBe(
      Date.parse(first.body.data.last_vault_rotation) + HOUR,
    );
    expect(mock.databaseCredentialWorks('app', first.body.data.password)).toBe(false);
    expect(mock.databaseCredentialWorks('app', rotated.body.data.password)).toBe(true);
  });

  it('rotates now on rotate-role', async () => {
    await mock.write('database/static-roles/static-app', {
      db_name: 'app-db',
      username: 'app',
      rotation_period: 86400,
    });
    const before = await get('database/static-creds/static-app');
    await mock.clock.advance(60_000);
    expect((await put('database/rotate-role/static-app')).status).toBe(204);
    const after = await get('database/static-creds/static-app');
    expect(after.body.data.password).not.toBe(before.body.data.password);
    expect(after.body.data.ttl).toBe(86400);
    const missing = await put('database/rotate-role/nope');
    expect(missing).toEqual({ status: 400, body: { errors: ['no static role found for role name'] } });
  });

  it('validates static role writes as Vault does', async () => {
    const noUser = await put('database/static-roles/static-x', { db_name: 'app-db', rotation_period: 60 });
    expect(noUser.body.errors).toEqual(['username is a required field to create a static account']);
    const short = await put('database/static-roles/static-x', {
      db_name: 'app-db',
      username: 'x',
      rotation_period: 2,
    });
    expect(short.body.errors).toEqual(['rotation_period must be 5 seconds or more']);
    const denied = await put('database/static-roles/other', {
      db_name: 'app-db',
      username: 'x',
      rotation_period: 60,
    });
    expect(denied).toEqual({
      status: 500,
      body: { errors: ['1 error occurred:\n\t* "other" is not an allowed role\n\n'] },
    });
  });
});

it('rotate-root answers 204 and needs root credentials', async () => {
  expect((await put('database/rotate-root/app-db')).status).toBe(204);
  await mock.write('database/config/bare', { plugin_name: 'in-memory-database-plugin' });
  const res = await put('database/rotate-root/bare');
  expect(res).toEqual({
    status: 500,
    body: {
      errors: ['1 error occurred:\n\t* unable to rotate root credentials: no username in configuration\n\n'],
    },
  });
});

describe('password policies (sys/policies/password) and password_policy', () => {
  const DIGITS_AND_LOWER = `length = 32
rule "charset" {
  charset = "abcdefghijklmnopqrstuvwxyz"
  min-chars = 4
}
rule "charset" {
  charset = "0123456789"
  min-chars = 6
}`;

  it('stores a policy (base64 accepted), reads it back, lists it, and generates passwords that follow it', async () => {
    expect((await put('sys/policies/password/app', { policy: DIGITS_AND_LOWER })).status).toBe(204);
    expect(
      (await put('sys/policies/password/b64', { policy: Buffer.from(DIGITS_AND_LOWER).toString('base64') }))
        .status,
    ).toBe(204);
    expect((await get('sys/policies/password/b64')).body.data).toEqual({ policy: DIGITS_AND_LOWER });
    expect((await api('LIST', 'sys/policies/password')).body.data).toEqual({ keys: ['app', 'b64'] });
    for (let i = 0; i < 20; i++) {
      const { password } = (await get('sys/policies/password/app/generate')).body.data as {
        password: string;
      };
      expect(password).toMatch(/^[a-z0-9]{32}$/);
      expect(password.replace(/[^a-z]/g, '').length).toBeGreaterThanOrEqual(4);
      expect(password.replace(/[^0-9]/g, '').length).toBeGreaterThanOrEqual(6);
    }
  });

  it('refuses what Vault refuses, with its messages', async () => {
    const refused = async (policy: string) => {
      const res = await put('sys/policies/password/bad', { policy });
      expect(res.status).toBe(400);
      return (res.body as { errors: string[] }).errors[0];
    };
    expect(await refused('')).toBe('missing policy');
    expect(await refused('length = 3\nrule "charset" { charset = "abc" }')).toBe(
      'passwords must be between 4 and 100 characters',
    );
    expect(await refused('length = 5\nrule "charset" {\n charset = "abc"\n min-chars = 6\n}')).toBe(
      'invalid password policy: 1 error occurred:\n\t* specified rules require at least 6 characters but 5 is specified\n\n',
    );
    expect(await refused('length = 20')).toBe(
      'invalid password policy: 1 error occurred:\n\t* no charset specified\n\n',
    );
    expect((await get('sys/policies/password/missing')).status).toBe(404);
    expect((await get('sys/policies/password/missing/generate')).body).toEqual({
      errors: ['policy does not exist'],
    });
  });

  it('a connection with password_policy gives its users passwords from it; one naming no policy fails the read', async () => {
    await put('sys/policies/password/app', { policy: DIGITS_AND_LOWER });
    await put('database/config/app-db', {
      plugin_name: 'in-memory-database-plugin',
      connection_url: 'postgresql://{{username}}:{{password}}@db.internal:5432/app',
      username: 'vault-admin',
      password: 'root-secret',
      allowed_roles: 'readonly,static-*',
      password_policy: 'app',
    });
    const { password } = (await get('database/creds/readonly')).body.data as { password: string };
    expect(password).toMatch(/^[a-z0-9]{32}$/);
    expect(mock.databaseUsers({ role: 'readonly' })[0]!.password).toBe(password);

    await put('database/config/app-db', { password_policy: 'nope' });
    const refused = await get('database/creds/readonly');
    expect(refused.status).toBe(500);
    expect((refused.body as { errors: string[] }).errors[0]).toBe(
      '1 error occurred:\n\t* unable to generate password: policy does not exist\n\n',
    );
  });
});
