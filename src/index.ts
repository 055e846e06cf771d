export type { TokenInfo } from './auth/token-manager';
export { VaultKubernetesClient } from './client';
export type { DatabaseEngine, KvEngine, PkiEngine, TransitEngine } from './engines';
export type {
  Bytes,
  DatabaseCredentials,
  KvEntry,
  KvMetadata,
  KvMetadataUpdate,
  KvVersion,
  KvVersionMetadata,
  PkiCertificateRequest,
  PkiIssuedCertificate,
  PkiSignedCertificate,
  StaticDatabaseCredentials,
  TransitBatchResult,
  TransitCiphertext,
  TransitDataKey,
  TransitDecryptItem,
  TransitEncryptItem,
  TransitRewrapItem,
} from './engines/types';
export {
  ClientClosedError,
  type ErrorCode,
  InvalidRequestError,
  isVaultClientError,
  LeaseError,
  ListenerError,
  ResponseShapeError,
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
export type {
  CloseOptions,
  DataOf,
  HttpMethod,
  LeaseInfo,
  ReadOptions,
  RequestSpec,
  VaultResponse,
} from './types';
