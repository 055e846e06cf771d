/**
 * The issue-4 scenario on an in-process mock: Kubernetes auth as in the article, a policy, and a
 * database engine whose `app` role hands out credentials with a 1 h lease and a 4 h max TTL.
 * Returns the mock and a service-account token file for `myapp-sa`.
 */
export async function startDatabaseScenario(startMockVault, { policy, roleFields } = {}) {
  const mock = await startMockVault();
  await mock.setupKubernetesAuth(roleFields ? { roleFields } : {});
  await mock.write('sys/policies/acl/myapp-policy', {
    policy:
      policy ??
      'path "database/creds/app" { capabilities = ["read"] }\npath "sys/leases/revoke" { capabilities = ["update"] }',
  });
  await mock.write('sys/mounts/database', { type: 'database' });
  await mock.write('database/config/pg', {
    plugin_name: 'in-memory-database-plugin',
    connection_url: 'postgresql://{{username}}:{{password}}@db:5432/app',
    allowed_roles: ['app'],
    username: 'vault',
    password: 'root-password',
  });
  await mock.write('database/roles/app', {
    db_name: 'pg',
    creation_statements: ['CREATE ROLE "{{name}}" WITH LOGIN PASSWORD \'{{password}}\';'],
    default_ttl: '1h',
    max_ttl: '4h',
  });
  const tokenPath = await mock.cluster.writeToken({
    namespace: 'default',
    serviceAccount: 'myapp-sa',
    expiresIn: 30 * 86400,
  });
  return { mock, tokenPath };
}
