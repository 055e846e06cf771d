import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, createToken, DENIED, expectErrors, setupDatabase, writePolicy } from './support/vault';

let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault();
});
afterEach(async () => {
  await mock.close();
});

const health = (query = '', method = 'GET') =>
  call(mock, method, `sys/health${query}`, undefined, { token: null });

describe('sys/health', () => {
  it('answers the documented status codes for each state', async () => {
    expect((await health()).status).toBe(200);
    mock.health.standby = true;
    expect((await health()).status).toBe(429);
    expect((await health('?standbyok=true')).status).toBe(200);
    expect((await health('?standbyok=false')).status).toBe(429);
    expect((await health('?standbycode=299')).status).toBe(299);
    mock.health.standby = false;
    mock.health.performanceStandby = true;
    expect((await health()).status).toBe(473);
    expect((await health('?perfstandbyok=1')).status).toBe(200);
    mock.health.performanceStandby = false;
    mock.seal();
    const sealed = await health();
    expect(sealed.status).toBe(503);
    expect(sealed.body).toMatchObject({ sealed: true, initialized: true });
    expect(sealed.body).not.toHaveProperty('cluster_id');
    expect((await health('?sealedcode=200')).status).toBe(200);
    mock.unseal();
    mock.health.initialized = false;
    expect((await health()).status).toBe(501);
    expect((await health('?uninitcode=204')).status).toBe(204);
    mock.health.initialized = true;
    expect((await health('?activecode=299')).status).toBe(299);
  });

  it('refuses bad parameters with 400 and an empty error list, whatever the state', async () => {
    for (const query of ['?sealedcode=abc', '?activecode=', '?standbyok=maybe', '?standbyok']) {
      const res = await health(query);
      expect([query, res.status, res.body]).toEqual([query, 400, { errors: [] }]);
    }
  });

  it('answers HEAD with the status only, and other verbs with 405', async () => {
    const head = await health('', 'HEAD');
    expect([head.status, head.text]).toEqual([200, '']);
    mock.seal();
    expect((await health('', 'HEAD')).status).toBe(503);
    mock.unseal();
    expectErrors(await health('', 'POST'), 405, []);
  });

  it('needs no token and ignores a bad one', async () => {
    const res = await call(mock, 'GET', 'sys/health', undefined, { token: 'hvs.bogus' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('seal', () => {
  it('seals through the API, answers 503 everywhere but the seal paths, unseals with the key', async () => {
    expect((await call(mock, 'PUT', 'sys/seal')).status).toBe(204);
    expectErrors(await call(mock, 'GET', 'secret/data/x'), 503, ['Vault is sealed']);
    expectErrors(await call(mock, 'GET', 'auth/token/lookup-self'), 503, ['Vault is sealed']);
    expectErrors(await call(mock, 'GET', 'sys/mounts'), 503, ['Vault is sealed']);
    expectErrors(
      await call(mock, 'POST', 'auth/kubernetes/login', { role: 'r', jwt: 'j' }, { token: null }),
      503,
      ['Vault is sealed'],
    );
    expect((await call(mock, 'GET', 'sys/seal-status', undefined, { token: null })).body).toMatchObject({
      sealed: true,
      type: 'shamir',
      t: 1,
      n: 1,
    });
    expect((await call(mock, 'PUT', 'sys/unseal', { key: 'AAAA' }, { token: null })).status).toBe(400);
    const unsealed = await call(mock, 'PUT', 'sys/unseal', { key: mock.unsealKey }, { token: null });
    expect([unsealed.status, unsealed.body.sealed]).toEqual([200, false]);
    expect((await call(mock, 'GET', 'secret/data/x')).status).toBe(404);
  });

  it('seals and unseals from the test through the handle', async () => {
    mock.seal();
    expectErrors(await call(mock, 'GET', 'secret/data/x'), 503, ['Vault is sealed']);
    mock.unseal();
    expect((await call(mock, 'GET', 'secret/data/x')).status).toBe(404);
  });

  it('needs sudo to seal', async () => {
    expectErrors(
      await call(mock, 'PUT', 'sys/seal', undefined, { token: await createToken(mock, ['default']) }),
      403,
      [DENIED],
    );
  });
});

describe('sys/mounts and sys/auth', () => {
  it('enables, lists, tunes and disables a secrets engine', async () => {
    expect(
      (await call(mock, 'POST', 'sys/mounts/team/kv', { type: 'kv', options: { version: '2' } })).status,
    ).toBe(204);
    const listed = await call(mock, 'GET', 'sys/mounts');
    expect(listed.body.data['team/kv/']).toMatchObject({ type: 'kv', options: { version: '2' } });
    expect(listed.body['team/kv/']).toEqual(listed.body.data['team/kv/']);
    expect(listed.body.data).toHaveProperty(['secret/']);
    expect(listed.body.data).toHaveProperty(['sys/']);
    expect(
      (await call(mock, 'POST', 'sys/mounts/team/kv/tune', { default_lease_ttl: '1h', max_lease_ttl: 7200 }))
        .status,
    ).toBe(204);
    expect((await call(mock, 'GET', 'sys/mounts/team/kv/tune')).body.data).toMatchObject({
      default_lease_ttl: 3600,
      max_lease_ttl: 7200,
    });
    expect((await call(mock, 'POST', 'team/kv/data/a', { data: { x: 1 } })).status).toBe(200);
    expect((await call(mock, 'DELETE', 'sys/mounts/team/kv')).status).toBe(204);
    expectErrors(await call(mock, 'GET', 'team/kv/data/a'), 404, [
      'no handler for route "team/kv/data/a". route entry not found.',
    ]);
    expect((await call(mock, 'DELETE', 'sys/mounts/team/kv')).status).toBe(204);
  });

  it('answers Vault’s errors for conflicts, unknown types and missing mounts', async () => {
    expectErrors(await call(mock, 'POST', 'sys/mounts/secret', { type: 'kv' }), 400, [
      'path is already in use at secret/',
    ]);
    expectErrors(await call(mock, 'POST', 'sys/mounts/secret/nested', { type: 'kv' }), 400, [
      'path is already in use at secret/',
    ]);
    expectErrors(await call(mock, 'POST', 'sys/mounts/x', { type: 'nope' }), 400, [
      'plugin not found in the catalog: nope',
    ]);
    expectErrors(await call(mock, 'POST', 'sys/mounts/x', {}), 400, [
      'backend type must be specified as a string',
    ]);
    expectErrors(await call(mock, 'POST', 'sys/mounts/sys/x', { type: 'kv' }), 400, [
      'cannot mount "sys/x/"',
    ]);
    expectErrors(await call(mock, 'DELETE', 'sys/mounts/sys'), 400, ['cannot unmount "sys/"']);
    expectErrors(await call(mock, 'GET', 'sys/mounts/nope'), 400, ['No secret engine mount at nope/']);
    expectErrors(await call(mock, 'GET', 'sys/mounts/nope/tune'), 400, [
      'cannot fetch sysview for path "nope/"',
    ]);
    expectErrors(await call(mock, 'POST', 'sys/mounts/nope/tune', { max_lease_ttl: 1 }), 400, [
      'tune of path "nope/" failed: no mount entry found',
    ]);
  });

  it('enables, lists, tunes and disables an auth method, revoking its tokens', async () => {
    expect((await call(mock, 'POST', 'sys/auth/kubernetes', { type: 'kubernetes' })).status).toBe(204);
    expectErrors(await call(mock, 'POST', 'sys/auth/kubernetes', { type: 'kubernetes' }), 400, [
      'path is already in use at kubernetes/',
    ]);
    expectErrors(await call(mock, 'POST', 'sys/auth/k8s', { type: 'nope' }), 400, [
      'plugin not found in the catalog: nope',
    ]);
    expectErrors(await call(mock, 'POST', 'sys/auth/t2', { type: 'token' }), 400, [
      'token credential backend cannot be instantiated',
    ]);
    expectErrors(await call(mock, 'DELETE', 'sys/auth/token'), 400, [
      'token credential backend cannot be disabled',
    ]);
    expectErrors(await call(mock, 'GET', 'sys/auth/nope'), 400, ['No auth engine at nope/']);
    const listed = await call(mock, 'GET', 'sys/auth');
    expect(Object.keys(listed.body.data).sort()).toEqual(['kubernetes/', 'token/']);
    expect(listed.body['kubernetes/'].type).toBe('kubernetes');
    expect((await call(mock, 'POST', 'sys/auth/kubernetes/tune', { default_lease_ttl: '2h' })).status).toBe(
      204,
    );
    expect((await call(mock, 'GET', 'sys/auth/kubernetes/tune')).body.data.default_lease_ttl).toBe(7200);

    await mock.setupKubernetesAuth({ serviceAccount: 'myapp-sa', namespace: 'default' });
    const jwt = await mock.cluster.mintToken({ namespace: 'default', serviceAccount: 'myapp-sa' });
    const token = (
      await call(mock, 'POST', 'auth/kubernetes/login', { role: 'myapp-role', jwt }, { token: null })
    ).body.auth.client_token;
    expect((await call(mock, 'DELETE', 'sys/auth/kubernetes')).status).toBe(204);
    expect((await call(mock, 'GET', 'auth/token/lookup-self', undefined, { token })).status).toBe(403);
  });

  it('needs sudo for sys/auth even with an update grant', async () => {
    await writePolicy(mock, 'ops', 'path "sys/auth/*" { capabilities = ["create", "update"] }');
    const token = await createToken(mock, ['ops']);
    expectErrors(await call(mock, 'POST', 'sys/auth/k8s', { type: 'kubernetes' }, { token }), 403, [DENIED]);
  });
});

describe('ACL policies', () => {
  it('creates, reads, lists and deletes through both APIs; root comes last in lists', async () => {
    await writePolicy(mock, 'zeta', 'path "a" { capabilities = ["read"] }');
    await writePolicy(mock, 'Alpha', 'path "b" { capabilities = ["read"] }');
    expect((await call(mock, 'LIST', 'sys/policies/acl')).body.data.keys).toEqual([
      'alpha',
      'default',
      'zeta',
      'root',
    ]);
    expect((await call(mock, 'GET', 'sys/policy')).body).toMatchObject({
      keys: ['alpha', 'default', 'zeta', 'root'],
      policies: ['alpha', 'default', 'zeta', 'root'],
    });
    expect((await call(mock, 'GET', 'sys/policies/acl/ALPHA')).body.data.name).toBe('alpha');
    expect((await call(mock, 'DELETE', 'sys/policies/acl/alpha')).status).toBe(204);
    expect(await call(mock, 'GET', 'sys/policies/acl/alpha')).toMatchObject({
      status: 404,
      body: { errors: [] },
    });
    expect((await call(mock, 'DELETE', 'sys/policy/zeta')).status).toBe(204);
    expect((await call(mock, 'GET', 'sys/policies/acl?list=true')).body.data.keys).toEqual([
      'default',
      'root',
    ]);
  });

  it('protects root and default and refuses empty or broken policies', async () => {
    expectErrors(
      await call(mock, 'PUT', 'sys/policies/acl/root', { policy: 'path "a" { capabilities = ["read"] }' }),
      400,
      ['cannot update "root" policy'],
    );
    expectErrors(await call(mock, 'DELETE', 'sys/policies/acl/root'), 400, ['cannot delete "root" policy']);
    expectErrors(await call(mock, 'DELETE', 'sys/policies/acl/default'), 400, [
      'cannot delete default policy',
    ]);
    expectErrors(await call(mock, 'PUT', 'sys/policies/acl/x', {}), 400, [
      "'policy' parameter not supplied or empty",
    ]);
    const broken = await call(mock, 'PUT', 'sys/policies/acl/x', {
      policy: 'path "a" { capabilities = ["fly"] }',
    });
    expect(broken.status).toBe(400);
    expect(broken.body.errors[0]).toMatch(/^failed to parse policy: /);
  });

  it('lets any token use its self-service paths through the default policy, and nothing else', async () => {
    await setupDatabase(mock, 'app');
    const lease = (await call(mock, 'GET', 'database/creds/app')).body.lease_id;
    const token = await createToken(mock, ['default']);
    const as = { token };
    expect((await call(mock, 'GET', 'auth/token/lookup-self', undefined, as)).status).toBe(200);
    expect((await call(mock, 'POST', 'auth/token/renew-self', {}, as)).status).toBe(200);
    expect((await call(mock, 'PUT', 'sys/leases/renew', { lease_id: lease }, as)).status).toBe(200);
    const caps = await call(mock, 'POST', 'sys/capabilities-self', { paths: ['auth/token/lookup-self'] }, as);
    expect(caps.body).toMatchObject({ capabilities: ['read'], 'auth/token/lookup-self': ['read'] });
    expectErrors(await call(mock, 'GET', 'sys/mounts', undefined, as), 403, [DENIED]);
    expectErrors(await call(mock, 'GET', 'secret/data/anything', undefined, as), 403, [DENIED]);
    expect((await call(mock, 'POST', 'auth/token/revoke-self', undefined, as)).status).toBe(204);
  });

  it('reports capabilities per path, sorted, at the top level and in data', async () => {
    await writePolicy(
      mock,
      'app',
      'path "secret/data/app/*" { capabilities = ["update", "read", "create"] }',
    );
    const token = await createToken(mock, ['app']);
    const two = await call(
      mock,
      'POST',
      'sys/capabilities-self',
      { paths: ['secret/data/app/x', 'secret/data/other'] },
      { token },
    );
    expect(two.body.data).toEqual({
      'secret/data/app/x': ['create', 'read', 'update'],
      'secret/data/other': ['deny'],
    });
    expect(two.body['secret/data/other']).toEqual(['deny']);
    expect(two.body).not.toHaveProperty('capabilities');
    const root = await call(mock, 'POST', 'sys/capabilities-self', { paths: ['anything'] });
    expect(root.body.capabilities).toEqual(['root']);
  });
});

describe('routing', () => {
  it('lists with the LIST verb and with ?list=true; a bad list value is 400', async () => {
    await call(mock, 'POST', 'secret/data/a/b', { data: { x: 1 } });
    await call(mock, 'POST', 'secret/data/c', { data: { x: 1 } });
    expect((await call(mock, 'LIST', 'secret/metadata')).body.data.keys).toEqual(['a/', 'c']);
    expect((await call(mock, 'GET', 'secret/metadata/?list=true')).body.data.keys).toEqual(['a/', 'c']);
    expect((await call(mock, 'GET', 'secret/metadata?list=1')).body.data.keys).toEqual(['a/', 'c']);
    expectErrors(await call(mock, 'GET', 'secret/metadata?list=yes'), 400, []);
  });

  it('answers an unmounted path with 404 for root, 403 for a token the policy does not cover', async () => {
    expectErrors(await call(mock, 'GET', 'x/y'), 404, ['no handler for route "x/y". route entry not found.']);
    expectErrors(
      await call(mock, 'GET', 'x/y', undefined, { token: await createToken(mock, ['default']) }),
      403,
      [DENIED],
    );
  });
});
