import type { Backend } from '../core/backend';
import type { MountInfo } from '../core/types';
import type { VaultCore } from '../core/vault-core';

// Placeholder until the engine lands.
export function pkiBackend(_core: VaultCore, _mount: MountInfo): Backend {
  return { routes: [] };
}
