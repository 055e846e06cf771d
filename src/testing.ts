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
export type { MockBackend } from './testing/core/backend';
export type { EngineContext, MockEngine } from './testing/core/engine';
export type { FieldSchema, FieldSchemas, FieldType, FieldValueOf, FieldValues } from './testing/core/fields';
export { field } from './testing/core/fields';
export type { DeclaredRoute as MockRoute, RouteHandler, RouteInput, RouteSpec } from './testing/core/routes';
export { defineRoute } from './testing/core/routes';
export type {
  AuthIntent as MockAuthIntent,
  BackendRequest as MockRequest,
  BackendResult as MockResult,
  LeaseIntent as MockLeaseIntent,
  MountInfo as MockMountInfo,
  Operation as MockOperation,
} from './testing/core/types';
export { VaultError as MockVaultError } from './testing/core/vault-error';
export type { FailOptions, FaultInjector, FaultScope, PathMatcher } from './testing/http/faults';
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
export type { LeaseEntry as MockLeaseEntry } from './testing/store/leases';
export type { TokenEntry as MockTokenEntry } from './testing/store/tokens';
export type { MockTls } from './testing/tls';
