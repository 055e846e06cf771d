// The shared scenario (../shared/scenario.ts) in plain JavaScript, given the package's modules so
// the same steps run over the ESM build (esm.test.mjs) and the CommonJS build (cjs.test.cjs).
async function runScenario(lib, testing) {
  const mock = await testing.startMockVault();
  try {
    await mock.setupKubernetesAuth({ roleFields: { ttl: '1h', max_ttl: '24h' } });
    await mock.write('sys/policies/acl/myapp-policy', {
      policy: 'path "secret/data/myapp/*" { capabilities = ["read"] }',
    });
    await mock.write('secret/data/myapp/config', { data: { api_url: 'https://api.example.com' } });
    const tokenPath = await mock.cluster.writeToken({ serviceAccount: 'myapp-sa', expiresIn: 48 * 3600 });
    const vault = new lib.VaultKubernetesClient({
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
      denied = error instanceof lib.VaultPermissionDeniedError;
      isClientError = error instanceof lib.VaultClientError;
    }
    await mock.clock.advance(3 * 3_600_000);
    const tokenValid = (vault.tokenInfo()?.ttlMs ?? 0) > 0;
    await vault.close({ revoke: true });
    return {
      apiUrl: config.data.api_url,
      denied,
      isClientError,
      renewed: renewals >= 2,
      tokenValid,
      tokensLeft: mock.tokens().filter((t) => t.role === 'myapp-role').length,
    };
  } finally {
    await mock.close();
  }
}

const expected = {
  apiUrl: 'https://api.example.com',
  denied: true,
  isClientError: true,
  renewed: true,
  tokenValid: true,
  tokensLeft: 0,
};

module.exports = { runScenario, expected };
