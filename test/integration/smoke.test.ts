import { VaultKubernetesClient } from 'vault-kubernetes-client';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it } from 'vitest';

let mock: MockVault | undefined;
afterEach(async () => {
  await mock?.close();
});

describe('smoke', () => {
  it('logs in and reads', async () => {
    mock = await startMockVault();
    await mock.setupKubernetesAuth();
    await mock.write('sys/policies/acl/myapp-policy', {
      policy: 'path "secret/data/myapp/*" { capabilities = ["read"] }',
    });
    await mock.write('secret/data/myapp/config', { data: { username: 'app', password: 's3cret-value' } });
    const tokenPath = await mock.cluster.writeToken({ namespace: 'default', serviceAccount: 'myapp-sa' });
    const client = new VaultKubernetesClient({
      address: mock.address,
      auth: { role: 'myapp-role', tokenPath },
      clock: mock.clock,
    });
    const res = await client.read('secret/data/myapp/config');
    expect((res.data as { data: Record<string, string> }).data.username).toBe('app');
    await expect(client.read('secret/data/other')).rejects.toThrow(/permission denied/);
    console.log(mock.audit.entries().map((e) => `${e.method} ${e.path} ${e.status} ${e.error ?? ''}`));
    await client.close();
  });
});
