export type { TokenInfo } from './auth/token-manager';
export { VaultKubernetesClient } from './client';
export {
  ClientClosedError,
  type ErrorCode,
  InvalidRequestError,
  isVaultClientError,
  LeaseError,
  ListenerError,
  ResponseShapeError,
  SecretFileError,
  SecretSchemaError,
  type ServiceAccountClaims,
  ServiceAccountTokenError,
  type ServiceAccountTokenProblem,
  VaultBadRequestError,
  VaultClientError,
  VaultConfigError,
  VaultConnectionError,
  VaultInvalidTokenError,
  VaultLoginError,
  VaultNotFoundError,
  VaultPermissionDeniedError,
  VaultRateLimitError,
  VaultResponseError,
  VaultSealedError,
  VaultServerError,
  VaultTimeoutError,
  VaultTlsError,
} from './errors';
export type {
  AuthLoginEvent,
  AuthRenewedEvent,
  ErrorEvent,
  ErrorPhase,
  EventName,
  LeaseExpiredEvent,
  LeaseRenewedEvent,
  Listener,
  LoginReason,
  RotationReason,
  SecretRotatedEvent,
  SecretSnapshot,
  VaultClientEvents,
} from './events';
export type { Clock } from './internal/clock';
export type { Logger, LogLevel } from './internal/logger';
export type { Secret, SecretChange, SecretListener, SecretOptions, Subscription } from './leases/secret';
export type { SecretKind } from './leases/secret-shape';
export type {
  CallOptions,
  ClientOptions,
  JwtSource,
  KubernetesAuthOptions,
  SecretsOptions,
  TlsOptions,
  TokenAuthOptions,
} from './options';
export type { FileFormat, FileParser } from './sources/agent-file-formats';
export {
  AgentFileSource,
  type AgentFileSourceOptions,
  type FileData,
  type FileSecretOptions,
} from './sources/agent-file-source';
export type { FileSchema } from './sources/file-schema';
export type {
  CloseOptions,
  DataOf,
  HttpMethod,
  LeaseInfo,
  ReadOptions,
  RequestSpec,
  VaultResponse,
} from './types';
