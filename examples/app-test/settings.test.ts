/**
 * How an app tests its own Vault-backed code with the mock Vault: no cluster, no real Vault,
 * and hours of simulated time in milliseconds. Run with `npx vitest run examples`.
 */

import { VaultKubernetesClient } from 'vault-kubernetes-client';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Settings } from './settings';

describe('Settings', () => {
  let mock: MockVault;
  let vault: VaultKubernetesClient;

  beforeEach(async () => {
    mock = await startMockVault();
    await mock.setupKubernetesAuth({
      role: 'myapp-role',
      serviceAccount: 'myapp-sa',
      policies: ['myapp-policy'],
    });
    await mock.write('sys/policies/acl/myapp-policy', {
      policy: 'path "secret/data/myapp/*" { capabilities = ["read"] }',
    });
    await mock.write('secret/data/myapp/config', {
      data: { api_url: 'https://api.example.com', timeout_ms: '2000' },
    });
    const tokenPath = await mock.cluster.writeToken({ namespace: 'default', serviceAccount: 'myapp-sa' });
    vault = new VaultKubernetesClient({
      address: mock.address,
      auth: { role: 'myapp-role', tokenPath },
      clock: mock.clock,
      logLevel: 'silent',
    });
  });

  afterEach(async () => {
    await vault.close();
    await mock.close();
  });

  it('loads its settings from Vault', async () => {
    const settings = new Settings(vault);
    await settings.load();
    expect(settings).toMatchObject({ apiUrl: 'https://api.example.com', timeoutMs: 2000 });
  });

  it('picks up a new version of the secret within the polling interval', async () => {
    const settings = new Settings(vault);
    await settings.load();
    await mock.write('secret/data/myapp/config', {
      data: { api_url: 'https://api-v2.example.com', timeout_ms: '5000' },
    });
    await mock.clock.advance(6 * 60_000);
    expect(settings).toMatchObject({ apiUrl: 'https://api-v2.example.com', timeoutMs: 5000, changes: 1 });
  });

  it('keeps its settings while Vault is down', async () => {
    const settings = new Settings(vault);
    await settings.load();
    mock.seal();
    await mock.clock.advance(3_600_000);
    expect(settings.apiUrl).toBe('https://api.example.com');
  });
});
