import { Inject } from '@nestjs/common';
import { VAULT_CLIENT } from './tokens';

/**
 * Injects the module's `VaultKubernetesClient`. An explicit token (`VAULT_CLIENT`), so it works
 * without `emitDecoratorMetadata` (esbuild, tsup and vite drop it).
 *
 * @example constructor(@InjectVault() private readonly vault: VaultKubernetesClient) {}
 */
export function InjectVault(): PropertyDecorator & ParameterDecorator {
  return Inject(VAULT_CLIENT);
}
