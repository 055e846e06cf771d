import type { Backend } from '../../core/backend';
import type { VaultCore } from '../../core/vault-core';
import { capabilityRoutes } from './capabilities';
import type { HealthState } from './health';
import { healthRoutes } from './health';
import { hostRoutes } from './host';
import { leaseRoutes } from './leases';
import { mountRoutes } from './mounts';
import { namespaceRoutes } from './namespaces';
import { passwordPolicyRoutes } from './password-policies';
import { policyRoutes } from './policies';
import { sealRoutes } from './seal';
import { UI_MOUNTS_UNAUTHENTICATED, uiMountRoutes } from './ui-mounts';
import { wrappingRoutes } from './wrapping';

export type { HealthState };

/** The `sys/` backend: health, seal, mounts, policies, leases and capabilities. */
export function systemBackend(
  core: VaultCore,
  options: { health: HealthState; unsealKey: string; clusterId: string },
): Backend {
  return {
    unauthenticated: UI_MOUNTS_UNAUTHENTICATED,
    // logical_system.go PathsSpecial.Root, plus the HTTP handlers and list that also need sudo.
    rootPaths: [
      'auth',
      'auth/*',
      'seal',
      'step-down',
      'remount',
      'audit',
      'audit/*',
      'raw',
      'raw/*',
      'rotate',
      'config/cors',
      'plugins/catalog/*',
      'revoke-prefix/*',
      'revoke-force/*',
      'leases/revoke-prefix/*',
      'leases/revoke-force/*',
      'leases/lookup/*',
      'leases',
    ],
    routes: [
      ...healthRoutes(core, options.health, options.clusterId),
      ...sealRoutes(core, options.unsealKey),
      ...mountRoutes(core),
      ...policyRoutes(),
      ...passwordPolicyRoutes(core),
      ...leaseRoutes(core),
      ...capabilityRoutes(core),
      ...hostRoutes(core),
      ...wrappingRoutes(core),
      ...uiMountRoutes(core),
      // Vault CE has no sys/namespaces: its paths are unsupported there.
      ...(core.enterprise ? namespaceRoutes(core) : []),
    ],
  };
}
