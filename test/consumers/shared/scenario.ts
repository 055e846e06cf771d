// What every consumer project runs against the packed tarball: the main entry and /testing
// together, a login, a managed secret, a typed error across the two entries, simulated hours of
// renewals, and a clean close. The test runner must then exit by itself.
import { VaultClientError, VaultKubernetesClient, VaultPermissionDeniedError } from 'vault-kubernetes-client';
import { startMockVault } from 'vault-kubernetes-client/testing';

export interface ScenarioResult {
  apiUrl: unknown;
  denied: boolean;
  isClientError: boolean;
  renewed: boolean;
  tokenValid: boolean;
  tokensLeft: number;
}

export async function runScenario(): Promise<ScenarioResult> {
  const mock = await startMockVault();
  try {
    await mock.setupKubernetesAuth({ roleFields: { ttl: '1h', max_ttl: '24h' } });
    await mock.write('sys/policies/acl/myapp-policy', {
      policy: 'path "secret/data/myapp/*" { capabilities = ["read"] }',
    });
    await mock.write('secret/data/myapp/config', { data: { api_url: 'https://api.example.com' } });
    const tokenPath = await mock.cluster.writeToken({ serviceAccount: 'myapp-sa', expiresIn: 48 * 3600 });
    const vault = new VaultKubernetesClient({
      address: mock.address,
      auth: { role: 'myapp-role', tokenPath },
      clock: mock.clock,
      logLevel: 'silent',
    });
    let renewals = 0;
    vault.on('auth:renewed', () => renewals++);
    const config = await vault.secret('secret/data/myapp/config');
    let denied = false;
    let isClientError = false;
    try {
      await vault.read('secret/data/billing/config');
    } catch (error) {
      denied = error instanceof VaultPermissionDeniedError;
      isClientError = error instanceof VaultClientError;
    }
    await mock.clock.advance(3 * 3_600_000);
    const tokenValid = (vault.tokenInfo()?.ttlMs ?? 0) > 0;
    await vault.close({ revoke: true });
    return {
      apiUrl: config.data.api_url,
      denied,
      isClientError,
      // a 1 h token over 3 h: renewed at about 2/3 of its TTL, so at least twice
      renewed: renewals >= 2,
      tokenValid,
      tokensLeft: mock.tokens().filter((t) => t.role === 'myapp-role').length,
    };
  } finally {
    await mock.close();
  }
}

export const expected: ScenarioResult = {
  apiUrl: 'https://api.example.com',
  denied: true,
  isClientError: true,
  renewed: true,
  tokenValid: true,
  tokensLeft: 0,
};
