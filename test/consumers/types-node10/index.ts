// Compiles only if every subpath's types resolve (a missing one would be an implicit `any` error
// under `strict`, or TS2307) and carry the real types.
import { VaultClientError, VaultKubernetesClient } from 'vault-kubernetes-client';
import { vaultMiddleware } from 'vault-kubernetes-client/express';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';

export async function check(): Promise<string> {
  const mock: MockVault = await startMockVault();
  const vault = new VaultKubernetesClient({
    address: mock.address,
    auth: { method: 'token', token: 'root' },
  });
  const secret = await vault.secret('secret/data/app');
  const version: number | undefined = secret.version;
  const middleware = vaultMiddleware(vault, { secrets: { config: 'secret/data/app' } });
  const error = new Error('x') instanceof VaultClientError;
  // @ts-expect-error: a wrong option name is caught, so the types are real and not `any`
  new VaultKubernetesClient({ adress: mock.address });
  await vault.close();
  await mock.close();
  return `${String(secret.data.api_url)} ${version} ${typeof middleware} ${error}`;
}
