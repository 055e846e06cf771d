import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, enableAuth, enableKubernetesAuth, expectErrors } from './support/vault';

/** Roles and config of the Kubernetes auth method (path_role.go, path_config.go, tokenutil). */
let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault();
  await enableKubernetesAuth(mock);
});
afterEach(async () => {
  await mock.close();
});

const bound = { bound_service_account_names: 'myapp-sa', bound_service_account_namespaces: 'default' };
const put = (name: string, body: Record<string, unknown>) =>
  call(mock, 'POST', `auth/kubernetes/role/${name}`, body);
const read = async (name: string) => (await call(mock, 'GET', `auth/kubernetes/role/${name}`)).body.data;

describe('role writes', () => {
  it.each([
    [{ bound_service_account_namespaces: 'default' }, '"bound_service_account_names" can not be empty'],
    [{ ...bound, bound_service_account_names: ['*', 'a'] }, 'can not mix "*" with values'],
    [
      { bound_service_account_names: 'a' },
      '"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set',
    ],
    [{ ...bound, bound_service_account_namespaces: 'a,*' }, 'can not mix "*" with values'],
    [{ ...bound, token_type: 'default-service' }, `invalid 'token_type' value "default-service"`],
    [
      { ...bound, token_ttl: '2h', token_max_ttl: '1h' },
      "'token_ttl' cannot be greater than 'token_max_ttl'",
    ],
    [{ ...bound, ttl: '2h', max_ttl: '1h' }, 'token ttl should not be greater than token max ttl'],
    // A negative TypeDurationSecond fails the framework's conversion (sdk/framework/field_data.go),
    // which the role path's existence check runs first and answers bare (backend.go HandleExistenceCheck).
    [
      { ...bound, token_ttl: -1 },
      `error converting input -1 for field "token_ttl": cannot provide negative value '-1'`,
    ],
    [
      { ...bound, token_max_ttl: '-1h' },
      `error converting input -1h for field "token_max_ttl": cannot provide negative value '-3600'`,
    ],
    [{ ...bound, token_num_uses: -1 }, "'token_num_uses' cannot be negative"],
    [
      { ...bound, token_type: 'batch', token_period: '1h' },
      "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens",
    ],
    [
      { ...bound, token_period: '800h' },
      `token period of '"800h0m0s"' is greater than the backend's maximum lease TTL of '"768h0m0s"'`,
    ],
    [
      { ...bound, alias_name_source: 'pod' },
      'invalid alias_name_source, must be one of: serviceaccount_uid, serviceaccount_name',
    ],
  ])('refuses %j with 400', async (body, message) => {
    expectErrors(await put('bad', body), 400, [message]);
    expect((await call(mock, 'GET', 'auth/kubernetes/role/bad')).status).toBe(404);
  });

  it('answers 204 with an audience and 200 with warnings otherwise', async () => {
    const quiet = await put('quiet', { ...bound, audience: 'vault' });
    expect([quiet.status, quiet.text]).toEqual([204, '']);
    const loud = await put('Loud-Role', { ...bound, token_max_ttl: '1000h' });
    expect(loud.status).toBe(200);
    expect(loud.body.warnings).toEqual([
      "max_ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
      'Role Loud-Role does not have an audience configured. While audiences are not required, consider specifying one if your use case would benefit from additional JWT claim verification.',
    ]);
  });

  it('reads back every field in seconds and lists, without legacy names unless used', async () => {
    await put('full', {
      ...bound,
      bound_service_account_names: 'a, b',
      audience: 'vault',
      token_ttl: '1h',
      token_max_ttl: 7200,
      token_policies: ['p1', 'p2'],
      token_num_uses: 0,
    });
    const data = await read('full');
    expect(data).toEqual({
      bound_service_account_names: ['a', 'b'],
      bound_service_account_namespaces: ['default'],
      bound_service_account_namespace_selector: '',
      audience: 'vault',
      alias_name_source: 'serviceaccount_uid',
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 7200,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: ['p1', 'p2'],
      token_ttl: 3600,
      token_type: 'default',
    });
  });

  it('echoes the deprecated names it was written with, until the new names replace them', async () => {
    await put('legacy', { ...bound, policies: 'p1', ttl: '24h', period: 0 });
    expect(await read('legacy')).toMatchObject({
      policies: ['p1'],
      token_policies: ['p1'],
      ttl: 86400,
      token_ttl: 86400,
    });
    expect(await read('legacy')).not.toHaveProperty('period');
    await put('legacy', { token_ttl: '1h', token_policies: 'p2' });
    const data = await read('legacy');
    expect(data).toMatchObject({ token_ttl: 3600, token_policies: ['p2'] });
    expect(data).not.toHaveProperty('ttl');
    expect(data).not.toHaveProperty('policies');
  });

  it('keeps omitted fields on update and treats names case-insensitively', async () => {
    await put('MyRole', { ...bound, token_ttl: '1h', audience: 'vault' });
    await put('myrole', { token_max_ttl: '2h' });
    expect(await read('MYROLE')).toMatchObject({
      bound_service_account_names: ['myapp-sa'],
      audience: 'vault',
      token_ttl: 3600,
      token_max_ttl: 7200,
    });
  });

  it('lists and deletes roles; a missing role reads as 404', async () => {
    await put('b-role', bound);
    await put('a-role', bound);
    const listed = await call(mock, 'LIST', 'auth/kubernetes/role');
    expect(listed.body.data.keys).toEqual(['a-role', 'b-role']);
    expect((await call(mock, 'DELETE', 'auth/kubernetes/role/a-role')).status).toBe(204);
    expect(await call(mock, 'GET', 'auth/kubernetes/role/a-role')).toMatchObject({
      status: 404,
      body: { errors: [] },
    });
    expect((await call(mock, 'GET', 'auth/kubernetes/role?list=true')).body.data.keys).toEqual(['b-role']);
  });
});

describe('config', () => {
  it('reads back what was written, never the reviewer JWT', async () => {
    const data = (await call(mock, 'GET', 'auth/kubernetes/config')).body.data;
    expect(data).toEqual({
      kubernetes_host: mock.cluster.host,
      kubernetes_ca_cert: mock.cluster.caCertificate,
      pem_keys: [],
      issuer: '',
      disable_iss_validation: true,
      disable_local_ca_jwt: false,
      token_reviewer_jwt_set: true,
      use_annotations_as_alias_metadata: false,
    });
  });

  it('replaces the whole config on each write, as the plugin does', async () => {
    expectErrors(await call(mock, 'POST', 'auth/kubernetes/config', { issuer: 'x' }), 400, [
      'no host provided',
    ]);
    await call(mock, 'POST', 'auth/kubernetes/config', { kubernetes_host: 'https://k8s:6443' });
    const data = (await call(mock, 'GET', 'auth/kubernetes/config')).body.data;
    expect(data).toMatchObject({
      kubernetes_host: 'https://k8s:6443',
      kubernetes_ca_cert: '',
      token_reviewer_jwt_set: false,
    });
  });

  it('refuses a CA without PEM and keys that are not RSA or ECDSA', async () => {
    expectErrors(
      await call(mock, 'POST', 'auth/kubernetes/config', {
        kubernetes_host: 'https://k8s',
        kubernetes_ca_cert: 'nope',
      }),
      400,
      ['The provided CA PEM data contains no valid certificates'],
    );
    expectErrors(
      await call(mock, 'POST', 'auth/kubernetes/config', {
        kubernetes_host: 'https://k8s',
        pem_keys: ['nope'],
      }),
      400,
      ['data does not contain any valid RSA or ECDSA public keys'],
    );
  });

  it('answers 404 before any config is written', async () => {
    await enableAuth(mock, 'kubernetes', 'k8s2');
    expect(await call(mock, 'GET', 'auth/k8s2/config')).toMatchObject({ status: 404, body: { errors: [] } });
  });
});
