import { VaultKubernetesClient } from 'vault-kubernetes-client';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';

export interface EngineFixture {
  mock: MockVault;
  vault: VaultKubernetesClient;
  close(): Promise<void>;
}

/**
 * A mock Vault with the engines mounted and a client logged in through Kubernetes auth whose
 * policy grants exactly `policy`: the mock enforces it, so a helper that calls a wrong path is
 * refused rather than silently served by a root token.
 */
export async function engineFixture(
  policy: string,
  setup: (mock: MockVault) => Promise<void> = async () => {},
): Promise<EngineFixture> {
  const mock = await startMockVault();
  await mock.setupKubernetesAuth();
  await mock.write('sys/policies/acl/myapp-policy', { policy });
  await setup(mock);
  const tokenPath = await mock.cluster.writeToken({ serviceAccount: 'myapp-sa', expiresIn: 30 * 86400 });
  const vault = new VaultKubernetesClient({
    address: mock.address,
    auth: { role: 'myapp-role', tokenPath },
    clock: mock.clock,
    logLevel: 'silent',
    retry: { maxRetries: 0 },
  });
  return {
    mock,
    vault,
    async close() {
      await vault.close();
      await mock.close();
    },
  };
}

/** Requests the client made to paths matching `pattern`, from the mock's audit log. */
export function calls(mock: MockVault, pattern: RegExp): string[] {
  return mock.audit
    .entries()
    .filter((e) => pattern.test(e.path))
    .filter((e) => e.via === 'http')
    .map((e) => `${e.method} ${e.path} ${e.status}`);
}
