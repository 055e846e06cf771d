/**
 * The public entry: the client, the error family, and the public types, each declared once under
 * src/types/ (or src/errors.ts) and re-exported here.
 *
 * Deliberately not exported:
 * - `TokenState` (src/auth/token-state.ts): it holds the token itself; the app sees `TokenInfo`.
 * - `ResolvedOptions` and the option schema: how options are resolved is free to change; the
 *   contract is `ClientOptions` and the `VaultConfigError` messages.
 * - `EventHub`, `Transport`, `Timers`, `Redactor`: the client's machinery, reached through the
 *   client's own methods (`on`, `request`, `close`).
 */
export { VaultKubernetesClient } from './client';
export type { DatabaseEngine, KvEngine, PkiEngine, TransitEngine } from './engines';
export {
  ClientClosedError,
  DrainTimeoutError,
  ERROR_CLASSES,
  type ErrorCode,
  InvalidRequestError,
  isVaultClientError,
  LeaseError,
  ListenerError,
  type LoginCredential,
  LoginCredentialError,
  type LoginCredentialProblem,
  type ResponseErrorDetails,
  ResponseShapeError,
  SecretFileError,
  SecretSchemaError,
  ServiceAccountTokenError,
  type ServiceAccountTokenProblem,
  VaultBadRequestError,
  VaultClientError,
  VaultConfigError,
  VaultConnectionError,
  VaultDeadlineError,
  VaultInvalidTokenError,
  VaultLoginError,
  VaultNotFoundError,
  VaultPermissionDeniedError,
  VaultRateLimitError,
  VaultResponseError,
  VaultResponseShapeError,
  VaultResponseTooLargeError,
  VaultSealedError,
  VaultServerError,
  VaultTimeoutError,
  VaultTlsError,
} from './errors';
export type { FileFormat, FileParser } from './sources/agent-file-formats';
export {
  AgentFileSource,
  type AgentFileSourceOptions,
  type FileSecretOptions,
  type ParsedFileOptions,
  type RawFileOptions,
  type StructuredFormat,
} from './sources/agent-file-source';
export type {
  AppRoleAuthOptions,
  AuthMethod,
  AuthOptions,
  CredentialSource,
  JwtAuthOptions,
  JwtSource,
  KubernetesAuthOptions,
  ServiceAccountClaims,
  TokenAuthOptions,
  TokenInfo,
} from './types/auth';
export type { Clock, TrackingClock } from './types/clock';
export type {
  Bytes,
  DatabaseCertificateCredentials,
  DatabaseCredentials,
  DatabaseCredentialTypes,
  DatabaseKeyPairCredentials,
  KvEntry,
  KvMetadata,
  KvMetadataUpdate,
  KvVersion,
  KvVersionMetadata,
  PkiCertificateRequest,
  PkiIssuedCertificate,
  PkiSignedCertificate,
  PkiSignRequest,
  StaticDatabaseCredentials,
  TransitBatchResult,
  TransitCiphertext,
  TransitDataKey,
  TransitDecryptItem,
  TransitEncryptItem,
  TransitRewrapItem,
} from './types/engines';
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
} from './types/events';
export type { Logger, LogLevel } from './types/logger';
export type {
  BackoffOptions,
  ClientOptions,
  RetryOptions,
  SecretsOptions,
  TlsOptions,
  TokenOptions,
} from './types/options';
export type {
  CallOptions,
  CloseOptions,
  HttpMethod,
  LeaseInfo,
  ReadOptions,
  RequestSpec,
  VaultResponse,
} from './types/requests';
export type {
  Secret,
  SecretChange,
  SecretKind,
  SecretListener,
  SecretOptions,
  SecretSource,
  SecretSourceOptions,
  Subscription,
} from './types/secret';
export type { DataOf, StandardSchemaV1 } from './types/standard-schema';
