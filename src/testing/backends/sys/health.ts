import { type DeclaredRoute, defineRoute } from '../../core/routes';
import type { Operation } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { VaultError } from '../../core/vault-error';

export const VAULT_VERSION = '1.21.0';

/** Health states a test can put the mock in; Vault reports them through sys/health's status codes. */
export interface HealthState {
  initialized: boolean;
  standby: boolean;
  performanceStandby: boolean;
}

export function healthRoutes(core: VaultCore, state: HealthState, clusterId: string): DeclaredRoute[] {
  return [
    // A plain HTTP handler in Vault: its query parameters are read as given, never warned about.
    defineRoute({
      pattern: 'health',
      takesArbitraryInput: true,
      handlers: {
        read: (req) => {
          // Vault's raw health handler answers a bad parameter with 400 and no message.
          const code = (name: string, fallback: number): number => {
            const raw = req.data[name];
            if (raw === undefined) return fallback;
            if (typeof raw !== 'string' || !/^[+-]?\d+$/.test(raw)) throw new VaultError(400, []);
            return Number.parseInt(raw, 10);
          };
          const flag = (name: string): boolean => {
            const raw = req.data[name];
            if (raw === undefined) return false;
            if (/^(1|t|T|TRUE|true|True)$/.test(String(raw))) return true;
            if (/^(0|f|F|FALSE|false|False)$/.test(String(raw))) return false;
            throw new VaultError(400, []);
          };
          const standbyOk = flag('standbyok');
          const perfStandbyOk = flag('perfstandbyok');
          // Every code is parsed up front, so a bad one fails whatever state the node is in.
          const codes = {
            uninit: code('uninitcode', 501),
            sealed: code('sealedcode', 503),
            standby: code('standbycode', 429),
            perfStandby: code('performancestandbycode', 473),
            active: code('activecode', 200),
          };
          let status = codes.active;
          if (!state.initialized) status = codes.uninit;
          else if (core.sealed) status = codes.sealed;
          else if (state.performanceStandby) status = perfStandbyOk ? codes.active : codes.perfStandby;
          else if (state.standby) status = standbyOk ? codes.active : codes.standby;
          const body: Record<string, unknown> = {
            initialized: state.initialized,
            sealed: core.sealed,
            standby: state.standby || state.performanceStandby,
            performance_standby: state.performanceStandby,
            replication_performance_mode: 'disabled',
            replication_dr_mode: 'disabled',
            server_time_utc: Math.floor(core.now() / 1000),
            version: VAULT_VERSION,
            enterprise: core.enterprise,
            echo_duration_ms: 0,
            clock_skew_ms: 0,
            replication_primary_canary_age_ms: 0,
            removed_from_cluster: false,
          };
          // Vault leaves the cluster identity out while sealed: it is stored behind the seal.
          if (!core.sealed)
            Object.assign(body, { cluster_name: 'vault-cluster-mock', cluster_id: clusterId });
          return { status, raw: { contentType: 'application/json', body: JSON.stringify(body) } };
        },
        ...rawHandlerMethodsOnly('read'),
      },
    }),
  ];
}

/**
 * sys/health, sys/seal-status, sys/seal and sys/unseal are plain HTTP handlers in Vault, not
 * logical routes: a wrong verb gets 405 with an empty error list rather than "unsupported operation".
 */
export function rawHandlerMethodsOnly(...allowed: Operation[]): Partial<Record<Operation, () => never>> {
  const refuse = () => {
    throw new VaultError(405, []);
  };
  const all: Operation[] = ['read', 'list', 'create', 'update', 'delete', 'patch'];
  return Object.fromEntries(all.filter((op) => !allowed.includes(op)).map((op) => [op, refuse]));
}
