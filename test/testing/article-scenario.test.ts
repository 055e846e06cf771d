import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, DENIED, enableAuth, expectErrors, login, MYAPP_POLICY } from './support/vault';

/**
 * The article's walkthrough, step for step, as an operator and then a pod would run it against
 * real Vault: only plain fetch calls on Vault's HTTP API, no helper of the mock.
 */
let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault();
});
afterEach(async () => {
  await mock.close();
});

const AUDIENCE_WARNING =
  'Role myapp-role does not have an audience configured. While audiences are not required, consider specifying one if your use case would benefit from additional JWT claim verification.';

async function operatorSetup(policyApi: 'sys/policies/acl' | 'sys/policy'): Promise<void> {
  // vault auth enable kubernetes
  await enableAuth(mock, 'kubernetes');

  // vault write auth/kubernetes/config kubernetes_host=... kubernetes_ca_cert=@ca.crt token_reviewer_jwt=...
  const config = await call(mock, 'POST', 'auth/kubernetes/config', {
    kubernetes_host: 'https://kubernetes.default.svc:443',
    kubernetes_ca_cert: mock.cluster.caCertificate,
    token_reviewer_jwt: await mock.cluster.mintToken({ namespace: 'vault', serviceAccount: 'vault-auth' }),
  });
  expect(config.status, config.text).toBe(204);
  const readBack = await call(mock, 'GET', 'auth/kubernetes/config');
  expect(readBack.body.data).toMatchObject({
    kubernetes_host: 'https://kubernetes.default.svc:443',
    kubernetes_ca_cert: mock.cluster.caCertificate,
    token_reviewer_jwt_set: true,
  });
  expect(readBack.body.data).not.toHaveProperty('token_reviewer_jwt');

  // vault policy write myapp-policy - <<EOF ... EOF
  const policy = await call(mock, 'PUT', `${policyApi}/myapp-policy`, { policy: MYAPP_POLICY });
  expect(policy.status, policy.text).toBe(204);

  // vault write auth/kubernetes/role/myapp-role bound_service_account_names=myapp-sa ...
  const role = await call(mock, 'POST', 'auth/kubernetes/role/myapp-role', {
    bound_service_account_names: 'myapp-sa',
    bound_service_account_namespaces: 'default',
    policies: 'myapp-policy',
    ttl: '24h',
  });
  expect(role.status).toBe(200);
  expect(role.body).toMatchObject({ data: null, auth: null, warnings: [AUDIENCE_WARNING] });

  // vault kv put secret/myapp/config username=... password=...
  const secret = await call(mock, 'POST', 'secret/data/myapp/config', {
    data: { username: 'appuser', password: 's3cr3t' },
  });
  expect(secret.status).toBe(200);
}

describe.each(['sys/policies/acl', 'sys/policy'] as const)(
  'the article with the policy written via %s',
  (api) => {
    it('a myapp-sa pod logs in, reads its secret and nothing else', async () => {
      await operatorSetup(api);
      const jwt = await mock.cluster.mintToken({ namespace: 'default', serviceAccount: 'myapp-sa' });

      const session = await login(mock, 'myapp-role', jwt);
      expect(session.status, session.text).toBe(200);
      expect(session.body.auth).toMatchObject({
        policies: ['default', 'myapp-policy'],
        token_policies: ['default', 'myapp-policy'],
        lease_duration: 86400,
        renewable: true,
        metadata: {
          role: 'myapp-role',
          service_account_name: 'myapp-sa',
          service_account_namespace: 'default',
        },
      });
      const token: string = session.body.auth.client_token;

      const read = await call(mock, 'GET', 'secret/data/myapp/config', undefined, { token });
      expect(read.status).toBe(200);
      expect(read.body.data.data).toEqual({ username: 'appuser', password: 's3cr3t' });
      expect(read.body.data.metadata.version).toBe(1);

      expectErrors(await call(mock, 'GET', 'secret/data/other', undefined, { token }), 403, [DENIED]);
      // The policy grants read only, so the pod cannot write its own secret either.
      expectErrors(await call(mock, 'POST', 'secret/data/myapp/config', { data: {} }, { token }), 403, [
        DENIED,
      ]);
    });

    it('refuses a token of another service account or namespace with Vault’s message', async () => {
      await operatorSetup(api);
      const otherAccount = await mock.cluster.mintToken({
        namespace: 'default',
        serviceAccount: 'billing-sa',
      });
      expectErrors(await login(mock, 'myapp-role', otherAccount), 403, [
        'service account name not authorized',
      ]);
      const otherNamespace = await mock.cluster.mintToken({
        namespace: 'staging',
        serviceAccount: 'myapp-sa',
      });
      expectErrors(await login(mock, 'myapp-role', otherNamespace), 403, ['namespace not authorized']);
    });
  },
);

it('both policy APIs read back the same stored policy', async () => {
  expect((await call(mock, 'PUT', 'sys/policy/myapp-policy', { policy: MYAPP_POLICY })).status).toBe(204);
  const acl = await call(mock, 'GET', 'sys/policies/acl/myapp-policy');
  expect(acl.body.data).toEqual({ name: 'myapp-policy', policy: MYAPP_POLICY });
  const legacy = await call(mock, 'GET', 'sys/policy/myapp-policy');
  // The legacy route injects its data at the top level too, and calls the text `rules`.
  expect(legacy.body).toMatchObject({ name: 'myapp-policy', rules: MYAPP_POLICY });
  expect(legacy.body.data).toEqual({ name: 'myapp-policy', rules: MYAPP_POLICY });
});
