import type { AuthMethod, ServiceAccountClaims } from './types/auth';

/**
 * One error family for the whole SDK. Every error has a stable `code`, a `name` equal to its
 * class, and a message that carries Vault's own words plus what to do next, and never a token,
 * JWT or secret value. Narrow with `instanceof`, `isVaultClientError`, or a `switch` on `code`.
 *
 * The table below is the taxonomy: every code and the class that carries it. `ErrorCode` is
 * derived from it, and each class's constructor only accepts the codes the table gives it, so
 * the two cannot drift apart. Adding an error means adding one line here and its class below.
 */
export const ERROR_CLASSES = {
  /** Options are wrong or missing; thrown by the constructor before any I/O. */
  ERR_VAULT_CONFIG: 'VaultConfigError',
  /** The service-account (or JWT) token file does not exist. */
  ERR_SA_TOKEN_MISSING: 'ServiceAccountTokenError',
  /** The token file (or JWT source) could not be read, failed, or did not answer in time. */
  ERR_SA_TOKEN_UNREADABLE: 'ServiceAccountTokenError',
  /** The token file is empty. */
  ERR_SA_TOKEN_EMPTY: 'ServiceAccountTokenError',
  /** The token file does not hold a JWT. */
  ERR_SA_TOKEN_MALFORMED: 'ServiceAccountTokenError',
  /** The JWT expired before it was sent. */
  ERR_SA_TOKEN_EXPIRED: 'ServiceAccountTokenError',
  /** A login credential other than a JWT (AppRole role id or secret id, a token file, the Vault CLI's token) could not be read, or its source did not answer in time. */
  ERR_LOGIN_CREDENTIAL: 'LoginCredentialError',
  /** Vault could not be reached: refused, reset, DNS, or the connection died mid-answer. */
  ERR_VAULT_CONNECTION: 'VaultConnectionError',
  /** One attempt got no answer within `timeouts.requestMs` (or the call's `timeoutMs`). */
  ERR_VAULT_TIMEOUT: 'VaultTimeoutError',
  /** The whole call, retries and re-login included, passed `timeouts.totalMs`. */
  ERR_DEADLINE: 'VaultDeadlineError',
  /** TLS failed: untrusted certificate, wrong host name, or a client certificate required. */
  ERR_VAULT_TLS: 'VaultTlsError',
  /** An answer was larger than the client accepts; the connection was dropped. */
  ERR_RESPONSE_TOO_LARGE: 'VaultResponseTooLargeError',
  /** Vault (or a proxy in front of it) answered with an error status not covered below. */
  ERR_VAULT_RESPONSE: 'VaultResponseError',
  /** 400: Vault refused the request's content. */
  ERR_VAULT_BAD_REQUEST: 'VaultBadRequestError',
  /** 403: the token's policies do not allow this. */
  ERR_VAULT_PERMISSION_DENIED: 'VaultPermissionDeniedError',
  /** 403 `invalid token`: the token expired or was revoked. */
  ERR_VAULT_INVALID_TOKEN: 'VaultInvalidTokenError',
  /** 404: nothing at the path, or no secrets engine mounted there. */
  ERR_VAULT_NOT_FOUND: 'VaultNotFoundError',
  /** 429: Vault is rate limiting this client. */
  ERR_VAULT_RATE_LIMITED: 'VaultRateLimitError',
  /** 503 `Vault is sealed`. */
  ERR_VAULT_SEALED: 'VaultSealedError',
  /** 5xx other than sealed: Vault's own failure, a standby without a leader, a proxy's 502/504. */
  ERR_VAULT_SERVER: 'VaultServerError',
  /** Vault refused a login (Kubernetes, JWT or AppRole); the message says which setting to check. */
  ERR_VAULT_LOGIN: 'VaultLoginError',
  /** A 2xx answer did not have the shape Vault documents (a proxy, a version drift, a bug). */
  ERR_VAULT_RESPONSE_SHAPE: 'VaultResponseShapeError',
  /** The caller's schema rejected a secret's data; the fields are named, never the values. */
  ERR_SECRET_SCHEMA: 'SecretSchemaError',
  /** A secret file of the Agent Injector never appeared, could not be read, or could not be parsed. */
  ERR_SECRET_FILE: 'SecretFileError',
  /** A lease ran out before a replacement could be fetched; the secret is no longer served. */
  ERR_LEASE_EXPIRED: 'LeaseError',
  /** After a change, listeners still held the old lease when `secrets.drainMs` ran out; it was revoked anyway. */
  ERR_DRAIN_TIMEOUT: 'DrainTimeoutError',
  /** A call's own arguments are unusable; thrown before any I/O. */
  ERR_INVALID_REQUEST: 'InvalidRequestError',
  /** An app's event or watch listener threw (or rejected); reported, never rethrown into the client. */
  ERR_LISTENER: 'ListenerError',
  /** Something that is not one of ours went wrong (a bug); the original is the `cause`. */
  ERR_INTERNAL: 'VaultClientError',
  /** The client was closed. */
  ERR_CLIENT_CLOSED: 'ClientClosedError',
} as const;

/** Every code an error of this SDK can carry; see {@link ERROR_CLASSES} for what each means. */
export type ErrorCode = keyof typeof ERROR_CLASSES;

/** The codes the table gives one class: a constructor can only use those. */
type CodeOf<Name extends (typeof ERROR_CLASSES)[ErrorCode]> = {
  [C in ErrorCode]: (typeof ERROR_CLASSES)[C] extends Name ? C : never;
}[ErrorCode];

/**
 * The base of every error the SDK throws or emits.
 *
 * @example
 * ```ts
 * try {
 *   await vault.secret('database/creds/app');
 * } catch (error) {
 *   if (isVaultClientError(error) && error.code === 'ERR_VAULT_PERMISSION_DENIED') { ... }
 * }
 * ```
 */
export class VaultClientError extends Error {
  /** The stable, documented code: branch on this, not on the message. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /** What `JSON.stringify` shows: the public facts, never the cause's internals. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [key, value] of Object.entries(this)) if (key !== 'cause') out[key] = value;
    return out;
  }
}

/** Whether a value is one of this SDK's errors (works across the ESM and CommonJS builds of one install). */
export function isVaultClientError(error: unknown): error is VaultClientError {
  return error instanceof VaultClientError;
}

/**
 * Any thrown value as a VaultClientError, for `error` events: a foreign error (a bug, a library's
 * TypeError) becomes ERR_INTERNAL with its message passed through `scrub`. Never throws, whatever
 * was thrown (a value without a prototype, a getter that throws).
 * @internal
 */
export function asClientError(error: unknown, scrub: (text: string) => string = (t) => t): VaultClientError {
  if (error instanceof VaultClientError) return error;
  return new VaultClientError('ERR_INTERNAL', scrub(describeThrown(error)), { cause: error });
}

/** `Name: message` of anything thrown, without calling code that can throw again. */
export function describeThrown(value: unknown): string {
  try {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (typeof value === 'string') return value;
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
    const text = String(value);
    return typeof text === 'string' ? text : 'a value that cannot be printed';
  } catch {
    return 'a value that cannot be printed';
  }
}

/**
 * Options are wrong or missing; thrown by the constructor, before any I/O. The message names the
 * option and says what to write instead.
 *
 * @example
 * ```ts
 * new VaultKubernetesClient({ auth: { role: 123 } });
 * // VaultConfigError: option 'auth.role': expected the Vault role name as a string, e.g. auth: { role: 'my-app' }
 * ```
 */
export class VaultConfigError extends VaultClientError {
  constructor(message: string) {
    super('ERR_VAULT_CONFIG' satisfies CodeOf<'VaultConfigError'>, message);
  }
}

/** What is wrong with a service-account token (or any login JWT). */
export type ServiceAccountTokenProblem = 'missing' | 'unreadable' | 'empty' | 'malformed' | 'expired';

const TOKEN_PROBLEM_CODES = {
  missing: 'ERR_SA_TOKEN_MISSING',
  unreadable: 'ERR_SA_TOKEN_UNREADABLE',
  empty: 'ERR_SA_TOKEN_EMPTY',
  malformed: 'ERR_SA_TOKEN_MALFORMED',
  expired: 'ERR_SA_TOKEN_EXPIRED',
} as const satisfies Record<ServiceAccountTokenProblem, CodeOf<'ServiceAccountTokenError'>>;

/**
 * The JWT for a Kubernetes or JWT login could not be used: absent, unreadable, empty, not a JWT,
 * expired, or its source did not answer within `timeouts.requestMs`. Thrown before Vault is asked.
 */
export class ServiceAccountTokenError extends VaultClientError {
  /** What is wrong, as a word; `code` says the same. */
  readonly problem: ServiceAccountTokenProblem;
  /** The file it came from, when it came from a file. */
  readonly tokenPath: string | undefined;

  constructor(problem: ServiceAccountTokenProblem, message: string, tokenPath?: string, cause?: unknown) {
    super(TOKEN_PROBLEM_CODES[problem], message, { cause });
    this.problem = problem;
    this.tokenPath = tokenPath;
  }
}

/** Which login credential a {@link LoginCredentialError} is about. */
export type LoginCredential = 'roleId' | 'secretId' | 'wrappedSecretId' | 'token';

/** What is wrong with it. */
export type LoginCredentialProblem = 'missing' | 'unreadable' | 'empty' | 'timeout' | 'malformed';

/**
 * A login credential other than a JWT could not be used: an AppRole role id or secret id (value,
 * function or file), a token file, or the Vault CLI's token (`~/.vault-token`, a token helper).
 * Thrown before Vault is asked; the message names the option or file, never the value.
 */
export class LoginCredentialError extends VaultClientError {
  readonly credential: LoginCredential;
  readonly problem: LoginCredentialProblem;
  /** The file it came from, when it came from a file. */
  readonly path: string | undefined;

  constructor(
    message: string,
    details: { credential: LoginCredential; problem: LoginCredentialProblem; path?: string | undefined },
    cause?: unknown,
  ) {
    super('ERR_LOGIN_CREDENTIAL' satisfies CodeOf<'LoginCredentialError'>, message, { cause });
    this.credential = details.credential;
    this.problem = details.problem;
    this.path = details.path;
  }
}

/**
 * Vault could not be reached: refused, reset, DNS, or the connection died mid-answer. Retried
 * (for calls safe to repeat) before it is thrown.
 */
export class VaultConnectionError extends VaultClientError {
  /** The system or undici code, e.g. `ECONNREFUSED`. */
  readonly causeCode: string | undefined;

  constructor(
    message: string,
    causeCode?: string,
    options?: {
      cause?: unknown;
      code?: CodeOf<'VaultConnectionError' | 'VaultTimeoutError' | 'VaultDeadlineError' | 'VaultTlsError'>;
    },
  ) {
    super(options?.code ?? 'ERR_VAULT_CONNECTION', message, options);
    this.causeCode = causeCode;
  }
}

/** No answer in time: one attempt passed `timeouts.requestMs` (or the call's `timeoutMs`). */
export class VaultTimeoutError extends VaultConnectionError {
  constructor(
    message: string,
    code: CodeOf<'VaultTimeoutError' | 'VaultDeadlineError'> = 'ERR_VAULT_TIMEOUT',
    options?: { cause?: unknown },
  ) {
    super(message, 'ETIMEDOUT', { code, ...options });
  }
}

/**
 * The whole call passed its deadline (`timeouts.totalMs`), which covers every retry and a
 * re-login. A `VaultTimeoutError` too, so one `instanceof` catches both.
 */
export class VaultDeadlineError extends VaultTimeoutError {
  /** The deadline the call had, in ms. */
  readonly totalMs: number;

  /** `cause`: the last attempt's error, when one failed before the deadline passed. */
  constructor(message: string, totalMs: number, options?: { cause?: unknown }) {
    super(message, 'ERR_DEADLINE', options);
    this.totalMs = totalMs;
  }
}

/** TLS failed: the certificate is not trusted, names another host, or Vault wants a client certificate. */
export class VaultTlsError extends VaultConnectionError {
  /** What to change, in one sentence. */
  readonly hint: string;

  constructor(message: string, causeCode: string, hint: string, options?: { cause?: unknown }) {
    super(message, causeCode, { code: 'ERR_VAULT_TLS', ...options });
    this.hint = hint;
  }
}

/**
 * An answer was larger than the client accepts (`maxResponseBytes`); it was cut off while it
 * streamed and the connection dropped, so a hostile or broken server cannot exhaust memory.
 */
export class VaultResponseTooLargeError extends VaultClientError {
  /** The most the client accepts. */
  readonly limitBytes: number;
  /** What had arrived when the client stopped reading (0 when the announced size alone was too much). */
  readonly receivedBytes: number;
  /** The size the answer announced in `Content-Length`, when it did. */
  readonly declaredBytes: number | undefined;

  constructor(
    message: string,
    details: { limitBytes: number; receivedBytes: number; declaredBytes?: number },
  ) {
    super('ERR_RESPONSE_TOO_LARGE' satisfies CodeOf<'VaultResponseTooLargeError'>, message);
    this.limitBytes = details.limitBytes;
    this.receivedBytes = details.receivedBytes;
    this.declaredBytes = details.declaredBytes;
  }
}

/** What every response error knows about the answer. */
export interface ResponseErrorDetails {
  status: number;
  method: string;
  path: string;
  /** Vault's `errors` strings as sent. */
  errors: string[];
  /** The same, with go-multierror wrapping taken apart: `["permission denied", "invalid token"]`. */
  reasons: string[];
  warnings?: string[];
  /** The start of a body that was not Vault's JSON (an HTML page from a proxy). */
  bodyExcerpt?: string;
  /**
   * Set when the body was not Vault's JSON: what it was, in words (`an HTML page (163 bytes)`),
   * never its content, which may be an answer cut short holding a secret. The transport sets
   * this and never `bodyExcerpt`.
   */
  foreignBody?: string;
  retryAfterMs?: number;
}

/** The codes of errors built from an HTTP status. */
export type ResponseCode = CodeOf<
  | 'VaultResponseError'
  | 'VaultBadRequestError'
  | 'VaultPermissionDeniedError'
  | 'VaultInvalidTokenError'
  | 'VaultNotFoundError'
  | 'VaultRateLimitError'
  | 'VaultSealedError'
  | 'VaultServerError'
>;

/** Vault (or something in front of it) answered with an error status. Subclasses by status follow. */
export class VaultResponseError extends VaultClientError {
  /** The HTTP status. */
  readonly status: number;
  readonly method: string;
  /** The API path, without `/v1/`. */
  readonly path: string;
  /** Vault's `errors` strings as sent. */
  readonly errors: string[];
  /** The same, with go-multierror wrapping taken apart. */
  readonly reasons: string[];
  readonly bodyExcerpt: string | undefined;

  constructor(message: string, details: ResponseErrorDetails, code: ResponseCode = 'ERR_VAULT_RESPONSE') {
    super(code, message);
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.errors = details.errors;
    this.reasons = details.reasons;
    this.bodyExcerpt = details.bodyExcerpt;
  }
}

/** 400: Vault refused the request's content (a missing field, a value of the wrong type). */
export class VaultBadRequestError extends VaultResponseError {
  constructor(message: string, details: ResponseErrorDetails) {
    super(message, details, 'ERR_VAULT_BAD_REQUEST');
  }
}

/** 403: the token's policies do not allow this (or, see the subclass, the token is no longer valid). */
export class VaultPermissionDeniedError extends VaultResponseError {
  constructor(
    message: string,
    details: ResponseErrorDetails,
    code: CodeOf<'VaultPermissionDeniedError' | 'VaultInvalidTokenError'> = 'ERR_VAULT_PERMISSION_DENIED',
  ) {
    super(message, details, code);
  }
}

/** 403 with `invalid token`: expired or revoked. The client logs in again and retries once on its own. */
export class VaultInvalidTokenError extends VaultPermissionDeniedError {
  constructor(message: string, details: ResponseErrorDetails) {
    super(message, details, 'ERR_VAULT_INVALID_TOKEN');
  }
}

/** 404: nothing stored at the path, or no secrets engine mounted there. */
export class VaultNotFoundError extends VaultResponseError {
  constructor(message: string, details: ResponseErrorDetails) {
    super(message, details, 'ERR_VAULT_NOT_FOUND');
  }
}

/** 429: Vault is rate limiting this client. */
export class VaultRateLimitError extends VaultResponseError {
  /** From `Retry-After`, when Vault sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: ResponseErrorDetails) {
    super(message, details, 'ERR_VAULT_RATE_LIMITED');
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** 503 `Vault is sealed`: an operator must unseal it; calls succeed again once it is. */
export class VaultSealedError extends VaultResponseError {
  constructor(message: string, details: ResponseErrorDetails) {
    super(message, details, 'ERR_VAULT_SEALED');
  }
}

/** 5xx other than sealed: Vault's own failure, a standby with no leader, or a proxy's 502/504. */
export class VaultServerError extends VaultResponseError {
  constructor(message: string, details: ResponseErrorDetails) {
    super(message, details, 'ERR_VAULT_SERVER');
  }
}

const RESPONSE_CLASSES: Record<
  ResponseCode,
  new (
    message: string,
    details: ResponseErrorDetails,
  ) => VaultResponseError
> = {
  ERR_VAULT_RESPONSE: VaultResponseError,
  ERR_VAULT_BAD_REQUEST: VaultBadRequestError,
  ERR_VAULT_PERMISSION_DENIED: VaultPermissionDeniedError,
  ERR_VAULT_INVALID_TOKEN: VaultInvalidTokenError,
  ERR_VAULT_NOT_FOUND: VaultNotFoundError,
  ERR_VAULT_RATE_LIMITED: VaultRateLimitError,
  ERR_VAULT_SEALED: VaultSealedError,
  ERR_VAULT_SERVER: VaultServerError,
};

/**
 * Which response error an answer makes, from its status and Vault's words: the one place that
 * decides. A body that is not Vault's JSON (a proxy's page) is never read as Vault's verdict.
 * @internal
 */
export function responseErrorCode(
  details: Pick<ResponseErrorDetails, 'status' | 'reasons' | 'bodyExcerpt' | 'foreignBody'>,
): ResponseCode {
  const { status, reasons } = details;
  if (details.bodyExcerpt !== undefined || details.foreignBody !== undefined)
    return status >= 500 ? 'ERR_VAULT_SERVER' : 'ERR_VAULT_RESPONSE';
  if (status === 400) return 'ERR_VAULT_BAD_REQUEST';
  if (status === 403)
    return reasons.includes('invalid token') ? 'ERR_VAULT_INVALID_TOKEN' : 'ERR_VAULT_PERMISSION_DENIED';
  if (status === 404) return 'ERR_VAULT_NOT_FOUND';
  if (status === 429) return 'ERR_VAULT_RATE_LIMITED';
  if (status === 503 && reasons.some((r) => r.includes('Vault is sealed'))) return 'ERR_VAULT_SEALED';
  if (status >= 500) return 'ERR_VAULT_SERVER';
  return 'ERR_VAULT_RESPONSE';
}

/**
 * The single factory of response errors (openai-node's `APIError.generate` style): the class
 * follows from the status via {@link responseErrorCode}; the message is written for that code.
 * @internal
 */
export function createResponseError(
  details: ResponseErrorDetails,
  message: (code: ResponseCode) => string,
): VaultResponseError {
  const code = responseErrorCode(details);
  return new RESPONSE_CLASSES[code](message(code), details);
}

/**
 * Vault refused a login. Says which method, role and mount, what the JWT claims (for Kubernetes
 * and JWT logins), and which setting to check.
 */
export class VaultLoginError extends VaultClientError {
  /** The auth method that was refused. */
  readonly method: AuthMethod;
  /** The role asked for (Kubernetes, JWT); empty for AppRole, whose role id stays out of messages. */
  readonly role: string;
  /** The auth mount, without `auth/`. */
  readonly mount: string;
  readonly status: number | undefined;
  /** Vault's reason, e.g. `service account name not authorized`. */
  readonly reason: string;
  /** What the JWT says about its bearer, read without verifying. */
  readonly claims: ServiceAccountClaims | undefined;

  constructor(
    message: string,
    details: {
      method?: AuthMethod;
      role: string;
      mount: string;
      status?: number;
      reason: string;
      claims?: ServiceAccountClaims;
    },
    cause?: unknown,
  ) {
    super('ERR_VAULT_LOGIN' satisfies CodeOf<'VaultLoginError'>, message, { cause });
    this.method = details.method ?? 'kubernetes';
    this.role = details.role;
    this.mount = details.mount;
    this.status = details.status;
    this.reason = details.reason;
    this.claims = details.claims;
  }
}

/** Vault's 2xx answer did not have the shape Vault documents: a proxy, a version drift, or a bug. */
export class VaultResponseShapeError extends VaultClientError {
  readonly path: string;
  readonly status: number;
  /** Where the shape was wrong (`auth.client_token: expected string`), never the values. */
  readonly issues: string[];

  constructor(message: string, details: { path: string; status: number; issues: string[] }) {
    super('ERR_VAULT_RESPONSE_SHAPE' satisfies CodeOf<'VaultResponseShapeError'>, message);
    this.path = details.path;
    this.status = details.status;
    this.issues = details.issues;
  }
}

/** @deprecated Renamed {@link VaultResponseShapeError} (errors about Vault's answers are `Vault*Error`). */
export const ResponseShapeError = VaultResponseShapeError;
/** @deprecated Renamed {@link VaultResponseShapeError}. */
export type ResponseShapeError = VaultResponseShapeError;

/** The caller's schema rejected a secret's data. Names the fields, never their values. */
export class SecretSchemaError extends VaultClientError {
  readonly path: string;
  /** Each field the schema rejected and why (the library's words, with any of the data's values masked). */
  readonly issues: { field: string; problem: string }[];

  constructor(
    message: string,
    details: { path: string; issues: { field: string; problem: string }[] },
    cause?: unknown,
  ) {
    super('ERR_SECRET_SCHEMA' satisfies CodeOf<'SecretSchemaError'>, message, { cause });
    this.path = details.path;
    this.issues = details.issues;
  }
}

/** A secret file (the Vault Agent Injector's) never appeared, could not be read, or could not be parsed. */
export class SecretFileError extends VaultClientError {
  readonly file: string;
  readonly problem: 'missing' | 'unreadable' | 'unparseable';

  constructor(
    message: string,
    details: { file: string; problem: SecretFileError['problem'] },
    cause?: unknown,
  ) {
    super('ERR_SECRET_FILE' satisfies CodeOf<'SecretFileError'>, message, { cause });
    this.file = details.file;
    this.problem = details.problem;
  }
}

/** A lease ran out before a replacement was fetched; the secret is no longer served. */
export class LeaseError extends VaultClientError {
  readonly path: string;
  readonly leaseId: string | undefined;

  constructor(
    code: CodeOf<'LeaseError'>,
    message: string,
    details: { path: string; leaseId?: string },
    cause?: unknown,
  ) {
    super(code, message, { cause });
    this.path = details.path;
    this.leaseId = details.leaseId;
  }
}

/**
 * After a change that replaced a leased secret, some listeners had not settled when
 * `secrets.drainMs` ran out; the old lease was revoked anyway. Emitted as an `error` event (phase `drain`).
 */
export class DrainTimeoutError extends VaultClientError {
  readonly path: string;
  /** Listeners whose promise had not settled. */
  readonly pendingListeners: number;

  constructor(message: string, details: { path: string; pendingListeners: number }) {
    super('ERR_DRAIN_TIMEOUT' satisfies CodeOf<'DrainTimeoutError'>, message);
    this.path = details.path;
    this.pendingListeners = details.pendingListeners;
  }
}

/** A call's own arguments are unusable (a path that escapes its segment, a body that is not JSON); thrown before any I/O. */
export class InvalidRequestError extends VaultClientError {
  constructor(message: string) {
    super('ERR_INVALID_REQUEST' satisfies CodeOf<'InvalidRequestError'>, message);
  }
}

/** An app's event or watch listener threw; reported so that it is seen, never rethrown into the client. */
export class ListenerError extends VaultClientError {
  constructor(message: string, cause: unknown) {
    super('ERR_LISTENER' satisfies CodeOf<'ListenerError'>, message, { cause });
  }
}

/** The client was closed; create a new one to make more calls. */
export class ClientClosedError extends VaultClientError {
  constructor(message = 'the VaultKubernetesClient is closed; create a new client to make more calls') {
    super('ERR_CLIENT_CLOSED' satisfies CodeOf<'ClientClosedError'>, message);
  }
}
