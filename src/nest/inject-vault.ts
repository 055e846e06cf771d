import { Inject } from '@nestjs/common';
import { VAULT_CLIENT } from './tokens';

/**
 * Injects the module's `VaultKubernetesClient`: `constructor(@InjectVault() vault: VaultKubernetesClient)`.
 * An explicit token, so it works without `emitDecoratorMetadata` (esbuild, tsup, vite drop it).
 */
export function InjectVault(): PropertyDecorator & ParameterDecorator {
  return Inject(VAULT_CLIENT);
}
