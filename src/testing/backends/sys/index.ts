import type { Backend } from '../../core/backend';
import type { VaultCore } from '../../core/vault-core';
import { capabilityRoutes } from './capabilities';
import type { HealthState } from './health';
import { healthRoutes } from './health';
import { leaseRoutes } from './leases';
import { mountRoutes } from './mounts';
import { policyRoutes } from './policies';
import { sealRoutes } from './seal';
import { wrappingRoutes } from './wrapping';

export type { HealthState };

/** The `sys/` backend: health, seal, mounts, policies, leases and capabilities. */
export function systemBackend(
  core: VaultCore,
  options: { health: HealthState; unsealKey: string; clusterId: string },
): Backend {
  return {
    routes: [
      ...healthRoutes(core, options.health, options.clusterId),
      ...sealRoutes(core, options.unsealKey),
      ...mountRoutes(core),
      ...policyRoutes(core),
      ...leaseRoutes(core),
      ...capabilityRoutes(core),
      ...wrappingRoutes(core),
    ],
  };
}
