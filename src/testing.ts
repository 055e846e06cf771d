/**
 * `vault-kubernetes-client/testing`: a mock HashiCorp Vault for app tests and local development.
 * It speaks Vault's HTTP API on loopback and never imports the client: it is an independent
 * oracle of Vault's behaviour.
 */

export type { DatabaseUserFilter } from './testing/backends/database/registry';
export type { DatabaseUser } from './testing/backends/database/state';
export type { ManualTimer } from './testing/clock';
export { ManualClock } from './testing/clock';
export type { ServiceAccountTokenOptions } from './testing/cluster/kubernetes-cluster';
export type { AuditEntry, AuditQuery } from './testing/core/audit';
export type { FailOptions, FaultScope, PathMatcher } from './testing/http/faults';
export { FaultInjector } from './testing/http/faults';
export type {
  AppRoleCredentials,
  AppRoleSetup,
  JwtSetup,
  KubernetesSetup,
  LeaseView,
  MockCluster,
  MockVault,
  MockVaultOptions,
  MockVaultResponse,
  TokenView,
} from './testing/mock-vault';
export { startMockVault } from './testing/mock-vault';
export type { MockTls } from './testing/tls';
