import type { Route } from '../../core/routes';
import type { VaultCore } from '../../core/vault-core';
import { jsonHeaders } from '../../core/vault-core';
import { VaultError } from '../../core/vault-error';

export const VAULT_VERSION = '1.21.0';

/** Health states a test can put the mock in; Vault reports them through sys/health's status codes. */
export interface HealthState {
  initialized: boolean;
  standby: boolean;
  performanceStandby: boolean;
}

export function healthRoutes(core: VaultCore, state: HealthState, clusterId: string): Route[] {
  return [
    {
      pattern: 'health',
      handlers: {
        read: (req) => {
          const code = (name: string, fallback: number): number => {
            const raw = req.data[name];
            if (raw === undefined) return fallback;
            const n = Number(raw);
            if (!Number.isInteger(n)) throw new VaultError(400, []);
            return n;
          };
          const flag = (name: string): boolean => req.data[name] === 'true' || req.data[name] === '';
          const active = code('activecode', 200);
          let status = active;
          if (!state.initialized) status = code('uninitcode', 501);
          else if (core.sealed) status = code('sealedcode', 503);
          else if (state.performanceStandby)
            status = flag('perfstandbyok') ? active : code('performancestandbycode', 473);
          else if (state.standby) status = flag('standbyok') ? active : code('standbycode', 429);
          const body: Record<string, unknown> = {
            initialized: state.initialized,
            sealed: core.sealed,
            standby: state.standby || state.performanceStandby,
            performance_standby: state.performanceStandby,
            replication_performance_mode: 'disabled',
            replication_dr_mode: 'disabled',
            server_time_utc: Math.floor(core.now() / 1000),
            version: VAULT_VERSION,
            enterprise: core.namespaces.length > 0,
            echo_duration_ms: 0,
            clock_skew_ms: 0,
            replication_primary_canary_age_ms: 0,
            removed_from_cluster: false,
          };
          // Vault leaves the cluster identity out while sealed: it is stored behind the seal.
          if (!core.sealed)
            Object.assign(body, { cluster_name: 'vault-cluster-mock', cluster_id: clusterId });
          return { status, raw: { contentType: jsonHeaders()['content-type']!, body: JSON.stringify(body) } };
        },
      },
    },
  ];
}
