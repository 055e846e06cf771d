import {
  defineRoute,
  field,
  type MockEngine,
  type MockVault,
  MockVaultError,
  startMockVault,
} from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { call, expectErrors } from './support/vault';

/** `startMockVault({ engines })`: the door the built-in catalog and a user's engines share. */
let mock: MockVault | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

function awsEngine(revoked: string[]): MockEngine {
  return {
    kind: 'secret',
    create: ({ mount, now }) => {
      const roles = new Map<string, number>();
      return {
        routes: [
          defineRoute({
            pattern: 'roles/:name',
            fields: { ttl: field('duration', 'Lease TTL of the credentials', 3600) },
            exists: (_req, { params }) => roles.has(params.name),
            handlers: {
              update: (_req, { fields, params }) => {
                roles.set(params.name, fields.ttl);
                return null;
              },
              read: (_req, { params }) => {
                const ttl = roles.get(params.name);
                return ttl === undefined ? null : { data: { ttl } };
              },
            },
          }),
          defineRoute({
            pattern: 'creds/:name',
            handlers: {
              read: (_req, { params }) => {
                const ttl = roles.get(params.name);
                if (ttl === undefined) throw new MockVaultError(400, `unknown role: ${params.name}`);
                const key = `AKIA-${mount.path}-${now()}`;
                return { data: { access_key: key }, secret: { ttl, renewable: true, internal: { key } } };
              },
            },
          }),
        ],
        revokeLease: (lease) => {
          revoked.push(String(lease.internal.key));
        },
      };
    },
  };
}

describe('engines added through startMockVault({ engines })', () => {
  it('mounts through sys/mounts, decodes fields, leases its secrets and hears their revocation', async () => {
    const revoked: string[] = [];
    mock = await startMockVault({ engines: { aws: awsEngine(revoked) } });
    expect((await call(mock, 'POST', 'sys/mounts/aws', { type: 'aws' })).status).toBe(204);
    expect((await call(mock, 'POST', 'aws/roles/deploy', { ttl: '15m' })).status).toBe(204);
    expect((await call(mock, 'GET', 'aws/roles/deploy')).body.data).toEqual({ ttl: 900 });

    const creds = await call(mock, 'GET', 'aws/creds/deploy');
    expect(creds.body).toMatchObject({ lease_duration: 900, renewable: true, mount_type: 'aws' });
    expect(creds.body.lease_id).toMatch(/^aws\/creds\/deploy\/\w+$/);
    expect(mock.leases({ path: 'aws/' })).toHaveLength(1);

    await mock.clock.advance(900_000);
    expect(mock.leases({ path: 'aws/' })).toHaveLength(0);
    expect(revoked).toEqual([creds.body.data.access_key]);
  });

  it("answers its handlers' errors and the framework's own, as Vault would", async () => {
    mock = await startMockVault({ engines: { aws: awsEngine([]) } });
    await call(mock, 'POST', 'sys/mounts/aws', { type: 'aws' });
    expectErrors(await call(mock, 'GET', 'aws/creds/nope'), 400, ['unknown role: nope']);
    // The route's existence check validates first (sdk/framework/backend.go HandleExistenceCheck).
    expectErrors(await call(mock, 'POST', 'aws/roles/deploy', { ttl: 'later' }), 400, [
      'error converting input later for field "ttl": time: invalid duration "later"',
    ]);
    expectErrors(await call(mock, 'DELETE', 'aws/roles/deploy'), 405, [
      '1 error occurred:\n\t* unsupported operation\n\n',
    ]);
    expectErrors(await call(mock, 'GET', 'aws/other'), 404, ['1 error occurred:\n\t* unsupported path\n\n']);
    const warned = await call(mock, 'GET', 'aws/roles/deploy?region=eu');
    expect(warned.status).toBe(404);
    await call(mock, 'POST', 'aws/roles/deploy', { ttl: 60 });
    expect((await call(mock, 'GET', 'aws/roles/deploy?region=eu')).body.warnings).toEqual([
      'Endpoint ignored these unrecognized parameters: [region]',
    ]);
  });

  it('keeps secrets engines and auth methods apart, as the catalog does', async () => {
    const auth: MockEngine = { kind: 'auth', create: () => ({ routes: [] }) };
    mock = await startMockVault({ engines: { aws: awsEngine([]), ldap: auth } });
    // logical_system.go: a type the catalog lacks for that table is "plugin not found".
    expectErrors(await call(mock, 'POST', 'sys/auth/aws', { type: 'aws' }), 400, [
      'plugin not found in the catalog: aws',
    ]);
    expectErrors(await call(mock, 'POST', 'sys/mounts/ldap', { type: 'ldap' }), 400, [
      'plugin not found in the catalog: ldap',
    ]);
    expect((await call(mock, 'POST', 'sys/auth/ldap', { type: 'ldap' })).status).toBe(204);
    expect((await call(mock, 'GET', 'sys/auth')).body.data['ldap/']).toMatchObject({ type: 'ldap' });
  });

  it('replaces a built-in engine of the same name, since the catalog is one door', async () => {
    const kv: MockEngine = {
      kind: 'secret',
      create: () => ({
        routes: [defineRoute({ pattern: '*path', handlers: { read: () => ({ data: { replaced: true } }) } })],
      }),
    };
    mock = await startMockVault({ engines: { kv } });
    // The dev mount at secret/ is made from the catalog too.
    expect((await call(mock, 'GET', 'secret/anything')).body.data).toEqual({ replaced: true });
  });

  it('gives each mount its own backend and its own mount view', async () => {
    mock = await startMockVault({ engines: { aws: awsEngine([]) } });
    await call(mock, 'POST', 'sys/mounts/aws-east', { type: 'aws' });
    await call(mock, 'POST', 'sys/mounts/aws-west', { type: 'aws' });
    await call(mock, 'POST', 'aws-east/roles/r', { ttl: 60 });
    expect((await call(mock, 'GET', 'aws-west/roles/r')).status).toBe(404);
    expect((await call(mock, 'GET', 'aws-east/creds/r')).body.data.access_key).toMatch(/^AKIA-aws-east\//);
  });
});
