import { generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { ManualClock, type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, enableAuth, enableKubernetesAuth, expectErrors, login, writeRole } from './support/vault';

/**
 * Kubernetes auth login as vault-plugin-auth-kubernetes runs it (path_login.go, cap's jwt.go):
 * the order of the checks decides which error a user sees, so each step is pinned here.
 */
const START = Date.UTC(2030, 0, 1); // whole seconds, so JWT times fall exactly on the boundaries
let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault({ clock: new ManualClock(START) });
});
afterEach(async () => {
  await mock.close();
});

const mint = (
  namespace: string,
  serviceAccount: string,
  extra: Parameters<MockVault['cluster']['mintToken']>[0] = {},
) => mock.cluster.mintToken({ namespace, serviceAccount, ...extra });

/** Standard setup: role `myapp-role` for default/myapp-sa. */
async function setup(
  config: Record<string, unknown> = {},
  role: Record<string, unknown> = {},
): Promise<void> {
  await enableKubernetesAuth(mock, config);
  await writeRole(mock, 'myapp-role', {
    bound_service_account_names: 'myapp-sa',
    bound_service_account_namespaces: 'default',
    token_policies: 'myapp-policy',
    ...role,
  });
}

/** A JWT signed by a key the cluster does not know: the plugin only parses it until the TokenReview. */
async function craft(claims: JWTPayload): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
}
const now = () => Math.floor(mock.clock.now() / 1000);
const projected = (namespace: string, name: string, uid = '5b1c6f8e-0000-4000-8000-000000000001') => ({
  'kubernetes.io': { namespace, serviceaccount: { name, uid } },
  sub: `system:serviceaccount:${namespace}:${name}`,
});

describe('login errors, in the order Vault checks', () => {
  it('missing role comes before missing jwt, both 400', async () => {
    await setup();
    expectErrors(await login(mock, undefined, undefined), 400, ['missing role']);
    expectErrors(await login(mock, '', 'x.y.z'), 400, ['missing role']);
    expectErrors(await login(mock, 'myapp-role', undefined), 400, ['missing jwt']);
    expectErrors(await login(mock, 'myapp-role', ''), 400, ['missing jwt']);
  });

  it('an unknown role is 400 with the name quoted as Go’s %q does', async () => {
    await setup();
    const jwt = await mint('default', 'myapp-sa');
    expectErrors(await login(mock, 'nope', jwt), 400, ['invalid role name "nope"']);
    expectErrors(await login(mock, 'say "hi"\\', jwt), 400, ['invalid role name "say \\"hi\\"\\\\"']);
    expectErrors(await login(mock, 'tab\there', jwt), 400, ['invalid role name "tab\\there"']);
  });

  it('a role without a config is 500 could not load backend configuration', async () => {
    await enableAuth(mock, 'kubernetes');
    await writeRole(mock, 'myapp-role', {
      bound_service_account_names: 'myapp-sa',
      bound_service_account_namespaces: '*',
    });
    expectErrors(await login(mock, 'myapp-role', 'not-a-jwt'), 500, ['could not load backend configuration']);
  });

  it('a malformed JWT is 403 permission denied, with or without pem_keys', async () => {
    await setup();
    expectErrors(await login(mock, 'myapp-role', 'not-a-jwt'), 403, ['permission denied']);
    await call(mock, 'POST', 'auth/kubernetes/config', {
      kubernetes_host: mock.cluster.host,
      pem_keys: mock.cluster.publicKeyPem,
    });
    expectErrors(await login(mock, 'myapp-role', 'not-a-jwt'), 403, ['permission denied']);
  });

  it('with pem_keys the signature is checked first', async () => {
    await setup({ pem_keys: mock.cluster.publicKeyPem });
    expect((await call(mock, 'GET', 'auth/kubernetes/config')).body.data.pem_keys).toEqual([
      mock.cluster.publicKeyPem.trim(),
    ]);
    const foreignWrongAccount = await mint('default', 'other-sa', { foreignKey: true });
    expectErrors(await login(mock, 'myapp-role', foreignWrongAccount), 403, ['permission denied']);
    expectErrors(await login(mock, 'myapp-role', await mint('default', 'other-sa')), 403, [
      'service account name not authorized',
    ]);
    expect((await login(mock, 'myapp-role', await mint('default', 'myapp-sa'))).status).toBe(200);
  });

  it('without pem_keys the signature waits for the TokenReview', async () => {
    await setup();
    expectErrors(
      await login(mock, 'myapp-role', await mint('default', 'other-sa', { foreignKey: true })),
      403,
      ['service account name not authorized'],
    );
    expectErrors(
      await login(mock, 'myapp-role', await mint('default', 'myapp-sa', { foreignKey: true })),
      403,
      ['permission denied'],
    );
  });

  it('checks the audience only when the role has one, before the account bindings', async () => {
    await setup({}, { audience: 'vault' });
    const message = 'invalid audience (aud) claim: audience claim does not match any expected audience';
    expectErrors(await login(mock, 'myapp-role', await mint('default', 'myapp-sa')), 403, [message]);
    expectErrors(await login(mock, 'myapp-role', await mint('default', 'other-sa')), 403, [message]);
    const good = await mint('default', 'myapp-sa', {
      audiences: ['https://kubernetes.default.svc', 'vault'],
    });
    expect((await login(mock, 'myapp-role', good)).status).toBe(200);
  });

  it('an expired token is refused once 60 s of leeway have passed', async () => {
    await setup();
    const jwt = await mint('default', 'myapp-sa', { expiresIn: 600 });
    await mock.clock.advance(660_000); // exactly exp + 60 s: still inside the leeway
    expect((await login(mock, 'myapp-role', jwt)).status).toBe(200);
    await mock.clock.advance(1000);
    expectErrors(await login(mock, 'myapp-role', jwt), 403, [
      'invalid expiration time (exp) claim: token is expired',
    ]);
  });

  it('a token from the future is refused beyond the leeway', async () => {
    await setup();
    expect(
      (await login(mock, 'myapp-role', await mint('default', 'myapp-sa', { issuedAtOffset: 60 }))).status,
    ).toBe(200);
    expectErrors(
      await login(mock, 'myapp-role', await mint('default', 'myapp-sa', { issuedAtOffset: 61 })),
      403,
      ['invalid not before (nbf) claim: token not yet valid'],
    );
    // cap takes a missing nbf from iat, so a future iat alone reads as "not yet valid".
    const iatOnly = await craft({ ...projected('default', 'myapp-sa'), iat: now() + 120, exp: now() + 600 });
    expectErrors(await login(mock, 'myapp-role', iatOnly), 403, [
      'invalid not before (nbf) claim: token not yet valid',
    ]);
    const iatAfterNbf = await craft({
      ...projected('default', 'myapp-sa'),
      nbf: now(),
      iat: now() + 120,
      exp: now() + 600,
    });
    expectErrors(await login(mock, 'myapp-role', iatAfterNbf), 403, [
      'invalid issued at (iat) claim: token issued in the future',
    ]);
  });

  it('follows cap’s defaults for missing time claims', async () => {
    await setup();
    // No iat, nbf or exp (a legacy token): time checks are skipped, so the binding check answers.
    expectErrors(await login(mock, 'myapp-role', await craft(projected('default', 'other-sa'))), 403, [
      'service account name not authorized',
    ]);
    // Only iat: exp defaults to iat + 150 s, then the 60 s leeway applies.
    const stale = await craft({ ...projected('default', 'other-sa'), iat: now() - 211 });
    expectErrors(await login(mock, 'myapp-role', stale), 403, [
      'invalid expiration time (exp) claim: token is expired',
    ]);
    const fresh = await craft({ ...projected('default', 'other-sa'), iat: now() - 210 });
    expectErrors(await login(mock, 'myapp-role', fresh), 403, ['service account name not authorized']);
  });

  it('checks the issuer only when configured and validation is enabled', async () => {
    await setup({ issuer: 'https://issuer.example' });
    expect((await login(mock, 'myapp-role', await mint('default', 'myapp-sa'))).status).toBe(200);
    await call(mock, 'POST', 'auth/kubernetes/config', {
      kubernetes_host: mock.cluster.host,
      issuer: 'https://issuer.example',
      disable_iss_validation: false,
    });
    expectErrors(await login(mock, 'myapp-role', await mint('default', 'myapp-sa')), 403, [
      'invalid issuer (iss) claim',
    ]);
  });

  it('a legacy token without a UID fails after the bindings, with 500', async () => {
    await setup();
    const legacy = (name: string) =>
      craft({
        iss: 'kubernetes/serviceaccount',
        'kubernetes.io/serviceaccount/namespace': 'default',
        'kubernetes.io/serviceaccount/service-account.name': name,
        'kubernetes.io/serviceaccount/secret.name': `${name}-token-abcde`,
      });
    expectErrors(await login(mock, 'myapp-role', await legacy('other-sa')), 403, [
      'service account name not authorized',
    ]);
    expectErrors(await login(mock, 'myapp-role', await legacy('myapp-sa')), 500, [
      'could not parse UID from claims',
    ]);
  });

  it('matches names and namespaces with go-glob patterns', async () => {
    await enableKubernetesAuth(mock);
    await writeRole(mock, 'globbed', {
      bound_service_account_names: 'app-*',
      bound_service_account_namespaces: '*-prod',
    });
    await writeRole(mock, 'anyone', {
      bound_service_account_names: '*',
      bound_service_account_namespaces: '*',
    });
    expect((await login(mock, 'globbed', await mint('shop-prod', 'app-web'))).status).toBe(200);
    expect((await login(mock, 'globbed', await mint('-prod', 'app-'))).status).toBe(200);
    expectErrors(await login(mock, 'globbed', await mint('shop-prod', 'web-app')), 403, [
      'service account name not authorized',
    ]);
    expectErrors(await login(mock, 'globbed', await mint('prod-shop', 'app-web')), 403, [
      'namespace not authorized',
    ]);
    expectErrors(await login(mock, 'globbed', await mint('prod-shop', 'web')), 403, [
      'service account name not authorized',
    ]);
    expect((await login(mock, 'anyone', await mint('kube-system', 'whatever'))).status).toBe(200);
  });

  it('refuses a deleted service account at the TokenReview', async () => {
    await setup({}, { bound_service_account_names: ['myapp-sa', 'other-sa'] });
    const jwt = await mint('default', 'myapp-sa');
    expect((await login(mock, 'myapp-role', jwt)).status).toBe(200);
    mock.cluster.deleteServiceAccount('default', 'myapp-sa');
    expectErrors(await login(mock, 'myapp-role', jwt), 403, ['permission denied']);
    expect((await login(mock, 'myapp-role', await mint('default', 'other-sa'))).status).toBe(200);
  });
});

describe('the auth block of a successful login', () => {
  it('has exactly Vault’s fields and types', async () => {
    await setup({}, { token_ttl: '1h', token_policies: 'zeta,alpha' });
    const res = await login(mock, 'myapp-role', await mint('default', 'myapp-sa'));
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        'auth',
        'data',
        'lease_duration',
        'lease_id',
        'mount_type',
        'renewable',
        'request_id',
        'warnings',
        'wrap_info',
      ].sort(),
    );
    expect(res.body).toMatchObject({
      data: null,
      wrap_info: null,
      warnings: null,
      lease_id: '',
      mount_type: 'kubernetes',
    });
    const auth = res.body.auth;
    expect(Object.keys(auth).sort()).toEqual(
      [
        'accessor',
        'client_token',
        'entity_id',
        'lease_duration',
        'metadata',
        'mfa_requirement',
        'num_uses',
        'orphan',
        'policies',
        'renewable',
        'token_policies',
        'token_type',
      ].sort(),
    );
    expect(auth.client_token).toMatch(/^hvs\.[A-Za-z0-9]{24,}$/);
    expect(auth.accessor).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(auth.entity_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(auth).toMatchObject({
      policies: ['alpha', 'default', 'zeta'],
      token_policies: ['alpha', 'default', 'zeta'],
      lease_duration: 3600,
      renewable: true,
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    });
    expect(Object.keys(auth.metadata).sort()).toEqual([
      'role',
      'service_account_name',
      'service_account_namespace',
      'service_account_secret_name',
      'service_account_uid',
    ]);
    expect(auth.metadata).toMatchObject({
      role: 'myapp-role',
      service_account_name: 'myapp-sa',
      service_account_namespace: 'default',
      service_account_secret_name: '',
    });
  });

  it('keeps one entity per service account and the role name as written', async () => {
    await setup({}, { bound_service_account_names: ['myapp-sa', 'other-sa'] });
    const first = await login(mock, 'MyApp-Role', await mint('default', 'myapp-sa'));
    const again = await login(mock, 'myapp-role', await mint('default', 'myapp-sa'));
    const other = await login(mock, 'myapp-role', await mint('default', 'other-sa'));
    expect(first.body.auth.metadata.role).toBe('MyApp-Role');
    expect(again.body.auth.entity_id).toBe(first.body.auth.entity_id);
    expect(other.body.auth.entity_id).not.toBe(first.body.auth.entity_id);
    expect(again.body.auth.client_token).not.toBe(first.body.auth.client_token);
  });

  it('caps the TTL at the role’s max TTL with Vault’s warning', async () => {
    await setup({}, { token_max_ttl: '1h' });
    const res = await login(mock, 'myapp-role', await mint('default', 'myapp-sa'));
    expect(res.body.auth.lease_duration).toBe(3600);
    expect(res.body.warnings).toEqual([
      'TTL of "768h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly',
    ]);
  });

  it('issues periodic, batch and no-default-policy tokens as the role says', async () => {
    await setup({}, { token_period: '30m', token_ttl: '5m' });
    const periodic = await login(mock, 'myapp-role', await mint('default', 'myapp-sa'));
    expect(periodic.body.auth.lease_duration).toBe(1800);
    await writeRole(mock, 'myapp-role', {
      token_period: 0,
      token_type: 'batch',
      token_no_default_policy: true,
    });
    const batch = await login(mock, 'myapp-role', await mint('default', 'myapp-sa'));
    expect(batch.body.auth).toMatchObject({
      token_type: 'batch',
      renewable: false,
      accessor: '',
      lease_duration: 300,
      policies: ['myapp-policy'],
    });
    expect(batch.body.auth.client_token).toMatch(/^hvb\./);
  });

  it('names the token after the mount path and the account', async () => {
    await enableAuth(mock, 'kubernetes', 'k8s/prod');
    await call(mock, 'POST', 'auth/k8s/prod/config', { kubernetes_host: mock.cluster.host });
    expect(
      (
        await call(mock, 'POST', 'auth/k8s/prod/role/r', {
          bound_service_account_names: 'myapp-sa',
          bound_service_account_namespaces: 'default',
          audience: 'vault',
        })
      ).status,
    ).toBe(204);
    const res = await login(
      mock,
      'r',
      await mint('default', 'myapp-sa', { audiences: ['vault'] }),
      'k8s/prod',
    );
    expect(res.body.mount_type).toBe('kubernetes');
    const self = await call(mock, 'GET', 'auth/token/lookup-self', undefined, {
      token: res.body.auth.client_token,
    });
    expect(self.body.data).toMatchObject({
      display_name: 'k8s-prod-default-myapp-sa',
      path: 'auth/k8s/prod/login',
    });
  });
});
