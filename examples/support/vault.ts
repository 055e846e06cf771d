import { type ClientOptions, VaultKubernetesClient } from 'vault-kubernetes-client';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';

/**
 * Where an example gets its Vault: the real one when VAULT_ADDR is set (in a pod, with the pod's
 * service account and VAULT_ROLE), otherwise an embedded mock Vault set up as a cluster operator
 * would (Kubernetes auth, a policy, a role bound to the service account), with a database role
 * for dynamic credentials.
 */
export interface ExampleVault {
  client: VaultKubernetesClient;
  /** Present for the embedded mock: lets the example fast-forward simulated time. */
  mock: MockVault | undefined;
  /** Moves time on: simulated with the mock, real (sleeping) against a real Vault. */
  wait(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function connect(options: Partial<ClientOptions> = {}): Promise<ExampleVault> {
  if (process.env.VAULT_ADDR) {
    const client = new VaultKubernetesClient({
      auth: { role: process.env.VAULT_ROLE ?? 'myapp-role' },
      ...options,
    });
    return {
      client,
      mock: undefined,
      wait: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5_000))),
      close: () => client.close({ revoke: true }),
    };
  }
  const mock = await startMockVault();
  await mock.setupKubernetesAuth({ roleFields: { token_ttl: '1h', token_max_ttl: '24h' } });
  await mock.write('sys/policies/acl/myapp-policy', {
    policy: [
      'path "secret/data/myapp/*" { capabilities = ["read"] }',
      'path "database/creds/app" { capabilities = ["read"] }',
      'path "sys/leases/revoke" { capabilities = ["update"] }',
    ].join('\n'),
  });
  await mock.write('secret/data/myapp/config', {
    data: { api_url: 'https://api.example.com', greeting: 'hello' },
  });
  await mock.write('sys/mounts/database', { type: 'database' });
  await mock.write('database/config/postgres', {
    plugin_name: 'in-memory-database-plugin',
    connection_url: 'postgresql://{{username}}:{{password}}@postgres:5432/app',
    allowed_roles: ['app'],
    username: 'vault',
    password: 'vault-root-password',
  });
  await mock.write('database/roles/app', {
    db_name: 'postgres',
    creation_statements: [
      "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
    ],
    default_ttl: '1h',
    max_ttl: '4h',
  });
  const tokenPath = await mock.cluster.writeToken({
    namespace: 'default',
    serviceAccount: 'myapp-sa',
    expiresIn: 7 * 86_400,
  });
  const client = new VaultKubernetesClient({
    address: mock.address,
    auth: { role: 'myapp-role', tokenPath },
    clock: mock.clock,
    logLevel: 'silent',
    ...options,
  });
  return {
    client,
    mock,
    wait: (ms) => mock.clock.advance(ms),
    async close() {
      await client.close({ revoke: true });
      await mock.close();
    },
  };
}

/** True when the file is run directly (`npx tsx examples/x.ts`) rather than imported by the test suite. */
export function isMain(url: string): boolean {
  return (
    process.argv[1] !== undefined &&
    url.endsWith(process.argv[1].replace(/\\/g, '/').replace(/^.*examples\//, 'examples/'))
  );
}
