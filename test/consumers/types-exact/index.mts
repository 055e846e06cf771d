import { VaultKubernetesClient } from 'vault-kubernetes-client';

export const vault = new VaultKubernetesClient({
  address: process.env.VAULT_ADDR,
  namespace: process.env.VAULT_NAMESPACE,
  auth: { role: 'myapp-role', tokenPath: process.env.TOKEN_PATH },
});
