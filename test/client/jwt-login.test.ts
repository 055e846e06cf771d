import { writeFile } from 'node:fs/promises';
import {
  type ClientOptions,
  ServiceAccountTokenError,
  VaultKubernetesClient,
  VaultLoginError,
} from 'vault-kubernetes-client';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeError } from '../helpers/harness';

/**
 * `auth: { method: 'jwt' }` end to end against the mock's JWT auth method (vault-plugin-auth-jwt's
 * behaviour): the projected token verified through the cluster's OIDC discovery document, the
 * file re-read at every login, and refusals that name the role and what the JWT says.
 */
let mock: MockVault;
let tokenPath: string;
const clients: VaultKubernetesClient[] = [];

beforeEach(async () => {
  mock = await startMockVault();
  await mock.write('sys/policies/acl/myapp-policy', {
    policy: 'path "secret/data/myapp/*" { capabilities = ["read"] }',
  });
  await mock.write('secret/data/myapp/config', { data: { username: 'app-user' } });
  tokenPath = await mock.cluster.writeToken({
    namespace: 'default',
    serviceAccount: 'myapp-sa',
    expiresIn: 3600,
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await mock.close();
});

function client(auth: Partial<Extract<NonNullable<ClientOptions['auth']>, { method: 'jwt' }>> = {}) {
  const vault = new VaultKubernetesClient({
    address: mock.address,
    auth: { method: 'jwt', role: 'myapp-role', tokenPath, ...auth },
    clock: mock.clock,
    logLevel: 'silent',
  });
  clients.push(vault);
  return vault;
}

const loginFailure = async (vault: VaultKubernetesClient): Promise<VaultLoginError> => {
  const error = await vault.start().catch((e: unknown) => e);
  expect(error, describeError(error)).toBeInstanceOf(VaultLoginError);
  return error as VaultLoginError;
};

describe('JWT login against the mock', () => {
  it('logs in with the projected token through OIDC discovery, JWKS or a pasted key, and reads secrets', async () => {
    for (const keys of ['oidc_discovery_url', 'jwks_url', 'jwt_validation_pubkeys'] as const) {
      await mock.setupJwtAuth({ keys, mount: `jwt-${keys.length}` });
      const vault = client({ mount: `jwt-${keys.length}` });
      const secret = await vault.secret('secret/data/myapp/config');
      expect(secret.data).toEqual({ username: 'app-user' });
      expect(vault.tokenInfo()).toMatchObject({
        method: 'jwt',
        policies: expect.arrayContaining(['myapp-policy']),
      });
    }
    expect(mock.audit.count({ path: /^auth\/jwt-\d+\/login$/, status: 200 })).toBe(3);
  });

  it('re-reads the token file at every login: a rotated token is the one sent', async () => {
    await mock.setupJwtAuth();
    const vault = client();
    await vault.start();
    const first = vault.tokenInfo()!.accessor;
    // kubelet rewrites the file; the old token is now one Vault refuses (signed with a foreign key).
    await writeFile(
      tokenPath,
      await mock.cluster.mintToken({ serviceAccount: 'myapp-sa', foreignKey: true }),
    );
    await mock.request('POST', 'auth/token/revoke-accessor', { accessor: first });
    const error = await vault.read('secret/data/myapp/config').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultLoginError);
    expect((error as Error).message).toMatch(/error verifying token signature/);
    await writeFile(tokenPath, await mock.cluster.mintToken({ serviceAccount: 'myapp-sa', expiresIn: 3600 }));
    await mock.clock.advance(10 * 60_000);
    expect((await vault.read('secret/data/myapp/config')).data).toMatchObject({
      data: { username: 'app-user' },
    });
    expect(vault.tokenInfo()!.accessor).not.toBe(first);
  });

  it('an audience mismatch names the role, the JWT audiences and the role setting to change', async () => {
    await mock.setupJwtAuth({ audiences: ['vault'] });
    const e = await loginFailure(client());
    expect(e).toMatchObject({ method: 'jwt', role: 'myapp-role', mount: 'jwt', status: 400 });
    expect(e.message).toMatch(
      /Vault refused JWT login for role "myapp-role" at auth\/jwt: error validating token: invalid audience \(aud\) claim/,
    );
    expect(e.message).toMatch(/audience \["https:\/\/kubernetes.default.svc.cluster.local"\]/);
    expect(e.message).toMatch(/bound_audiences of auth\/jwt\/role\/myapp-role/);
  });

  it('an issuer mismatch names the JWT issuer and bound_issuer', async () => {
    await mock.setupJwtAuth();
    await writeFile(
      tokenPath,
      await mock.cluster.mintToken({ serviceAccount: 'myapp-sa', issuer: 'https://elsewhere.example' }),
    );
    const e = await loginFailure(client());
    expect(e.message).toMatch(/invalid issuer|error verifying token signature/);
    expect(e.claims?.issuer).toBe('https://elsewhere.example');
    expect(e.message).toContain('https://elsewhere.example');
  });

  it('a bound claim that does not match names the claim and what the JWT holds for it', async () => {
    await mock.setupJwtAuth({
      roleFields: { bound_claims: { '/kubernetes.io/namespace': ['payments'] } },
    });
    const e = await loginFailure(client());
    expect(e.message).toMatch(
      /claim "\/kubernetes.io\/namespace" does not match any associated bound claim values/,
    );
    expect(e.message).toMatch(
      /bound_claims of auth\/jwt\/role\/myapp-role requires claim "\/kubernetes.io\/namespace", which is "default" in the JWT/,
    );
  });

  it('a role that does not exist, and a mount with no JWT method, say what to create', async () => {
    await mock.setupJwtAuth();
    const missing = await loginFailure(client({ role: 'nope' }));
    expect(missing.message).toMatch(
      /role "nope" could not be found.*vault write auth\/jwt\/role\/nope role_type=jwt/,
    );
    const noMount = await loginFailure(client({ mount: 'oidc' }));
    expect(noMount.message).toMatch(/vault auth enable -path=oidc jwt|fix auth.mount/);
  });

  it('an expired token file is refused before Vault is asked', async () => {
    await mock.setupJwtAuth();
    await writeFile(
      tokenPath,
      await mock.cluster.mintToken({ serviceAccount: 'myapp-sa', expiresIn: 60, issuedAtOffset: -3600 }),
    );
    const before = mock.audit.count({ path: 'auth/jwt/login' });
    const error = await client()
      .start()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceAccountTokenError);
    expect((error as ServiceAccountTokenError).problem).toBe('expired');
    expect(mock.audit.count({ path: 'auth/jwt/login' })).toBe(before);
  });

  it('logs in inside the auth namespace given, and reads in the client namespace', async () => {
    await mock.close();
    mock = await startMockVault({ namespaces: ['admin', 'admin/team-a'] });
    // Real Enterprise namespaces: the login's policy lives in admin and names the child's paths
    // from there; the secret lives in admin/team-a's own KV mount.
    await mock.write(
      'sys/policies/acl/myapp-policy',
      { policy: 'path "team-a/secret/data/myapp/*" { capabilities = ["read"] }' },
      { namespace: 'admin' },
    );
    await mock.write(
      'sys/mounts/secret',
      { type: 'kv', options: { version: '2' } },
      { namespace: 'admin/team-a' },
    );
    await mock.write(
      'secret/data/myapp/config',
      { data: { username: 'app-user' } },
      { namespace: 'admin/team-a' },
    );
    tokenPath = await mock.cluster.writeToken({
      namespace: 'default',
      serviceAccount: 'myapp-sa',
      expiresIn: 3600,
    });
    await mock.setupJwtAuth({ vaultNamespace: 'admin' });
    const vault = new VaultKubernetesClient({
      address: mock.address,
      namespace: 'admin/team-a',
      auth: { method: 'jwt', role: 'myapp-role', tokenPath, namespace: '/admin/' },
      clock: mock.clock,
      logLevel: 'silent',
    });
    clients.push(vault);
    await vault.read('secret/data/myapp/config');
    expect(mock.audit.entries({ path: 'auth/jwt/login' }).map((e) => e.namespace)).toEqual(['admin']);
    expect(mock.audit.entries({ path: 'secret/data/myapp/config' }).map((e) => e.namespace)).toEqual([
      'admin/team-a',
    ]);
  });
});
