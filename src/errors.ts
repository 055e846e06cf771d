/**
 * One error hierarchy for the whole SDK. Every error has a stable `code`, a `name` equal to its
 * class, and a message that carries Vault's own words plus what to do next, and never a token,
 * JWT or secret value. Narrow with `instanceof` or `isVaultClientError`.
 */
export type ErrorCode =
  | 'ERR_VAULT_CONFIG'
  | 'ERR_SA_TOKEN_MISSING'
  | 'ERR_SA_TOKEN_UNREADABLE'
  | 'ERR_SA_TOKEN_EMPTY'
  | 'ERR_SA_TOKEN_MALFORMED'
  | 'ERR_SA_TOKEN_EXPIRED'
  | 'ERR_VAULT_CONNECTION'
  | 'ERR_VAULT_TIMEOUT'
  | 'ERR_VAULT_TLS'
  | 'ERR_VAULT_RESPONSE'
  | 'ERR_VAULT_BAD_REQUEST'
  | 'ERR_VAULT_PERMISSION_DENIED'
  | 'ERR_VAULT_INVALID_TOKEN'
  | 'ERR_VAULT_NOT_FOUND'
  | 'ERR_VAULT_RATE_LIMITED'
  | 'ERR_VAULT_SEALED'
  | 'ERR_VAULT_SERVER'
  | 'ERR_VAULT_LOGIN'
  | 'ERR_VAULT_RESPONSE_SHAPE'
  | 'ERR_SECRET_SCHEMA'
  | 'ERR_SECRET_FILE'
  | 'ERR_LEASE_RENEWAL'
  | 'ERR_LEASE_EXPIRED'
  | 'ERR_INVALID_REQUEST'
  | 'ERR_LISTENER'
  | 'ERR_INTERNAL'
  | 'ERR_CLIENT_CLOSED';

export class VaultClientError extends Error {
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

export function isVaultClientError(error: unknown): error is VaultClientError {
  return error instanceof VaultClientError;
}

/**
 * Any thrown value as a VaultClientError, for `error` events: a foreign error (a bug, a library's
 * TypeError) becomes ERR_INTERNAL with its message passed through `scrub`.
 */
export function asClientError(error: unknown, scrub: (text: string) => string = (t) => t): VaultClientError {
  if (error instanceof VaultClientError) return error;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new VaultClientError('ERR_INTERNAL', scrub(text), { cause: error });
}

/** Options are wrong or missing; thrown by the constructor, before any I/O. */
export class VaultConfigError extends VaultClientError {
  constructor(message: string) {
    super('ERR_VAULT_CONFIG', message);
  }
}

export type ServiceAccountTokenProblem = 'missing' | 'unreadable' | 'empty' | 'malformed' | 'expired';

/** The pod's service-account JWT could not be used: absent, unreadable, empty, not a JWT, or expired. */
export class ServiceAccountTokenError extends VaultClientError {
  readonly problem: ServiceAccountTokenProblem;
  /** The file it came from, when it came from a file. */
  readonly tokenPath: string | undefined;

  constructor(problem: ServiceAccountTokenProblem, message: string, tokenPath?: string, cause?: unknown) {
    const codes = {
      missing: 'ERR_SA_TOKEN_MISSING',
      unreadable: 'ERR_SA_TOKEN_UNREADABLE',
      empty: 'ERR_SA_TOKEN_EMPTY',
      malformed: 'ERR_SA_TOKEN_MALFORMED',
      expired: 'ERR_SA_TOKEN_EXPIRED',
    } as const;
    super(codes[problem], message, { cause });
    this.problem = problem;
    this.tokenPath = tokenPath;
  }
}

/** Vault could not be reached: refused, reset, DNS, or the connection died mid-answer. */
export class VaultConnectionError extends VaultClientError {
  /** The system or undici code, e.g. `ECONNREFUSED`. */
  readonly causeCode: string | undefined;

  constructor(message: string, causeCode?: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ?? 'ERR_VAULT_CONNECTION', message, options);
    this.causeCode = causeCode;
  }
}

/** No answer in time: one attempt passed `timeouts.requestMs`, or the call passed its deadline. */
export class VaultTimeoutError extends VaultConnectionError {
  constructor(message: string) {
    super(message, 'ETIMEDOUT', { code: 'ERR_VAULT_TIMEOUT' });
  }
}

/** TLS failed: the certificate is not trusted, names another host, or Vault wants a client certificate. */
export class VaultTlsError extends VaultConnectionError {
  /** What to change, in one sentence. */
  readonly hint: string;

  constructor(message: string, causeCode: string, hint: string) {
    super(message, causeCode, { code: 'ERR_VAULT_TLS' });
    this.hint = hint;
  }
}

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
  retryAfterMs?: number;
}

/** Vault (or something in front of it) answered with an error status. */
export class VaultResponseError extends VaultClientError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly errors: string[];
  readonly reasons: string[];
  readonly bodyExcerpt: string | undefined;

  constructor(message: string, details: ResponseErrorDetails, code: ErrorCode = 'ERR_VAULT_RESPONSE') {
    super(code, message);
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.errors = details.errors;
    this.reasons = details.reasons;
    this.bodyExcerpt = details.bodyExcerpt;
  }
}

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
    code: ErrorCode = 'ERR_VAULT_PERMISSION_DENIED',
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

export class VaultNotFoundError extends VaultResponseError {
  constructor(message: string, details: ResponseErrorDetails) {
    super(message, details, 'ERR_VAULT_NOT_FOUND');
  }
}

export class VaultRateLimitError extends VaultResponseError {
  /** From `Retry-After`, when Vault sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: ResponseErrorDetails) {
    super(message, details, 'ERR_VAULT_RATE_LIMITED');
    this.retryAfterMs = details.retryAfterMs;
  }
}

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

/** What the service-account JWT says about who the pod is; read without verifying, for diagnosis only. */
export interface ServiceAccountClaims {
  namespace: string | undefined;
  serviceAccount: string | undefined;
  audience: string[];
  issuer: string | undefined;
  /** Epoch ms. */
  expiresAt: number | undefined;
  /** Epoch ms of `nbf`, when the JWT has one. */
  notBefore?: number | undefined;
}

/** Vault refused the Kubernetes login. Says which role and mount, and who the JWT claims the pod is. */
export class VaultLoginError extends VaultClientError {
  readonly role: string;
  readonly mount: string;
  readonly status: number | undefined;
  /** Vault's reason, e.g. `service account name not authorized`. */
  readonly reason: string;
  readonly claims: ServiceAccountClaims | undefined;

  constructor(
    message: string,
    details: { role: string; mount: string; status?: number; reason: string; claims?: ServiceAccountClaims },
    cause?: unknown,
  ) {
    super('ERR_VAULT_LOGIN', message, { cause });
    this.role = details.role;
    this.mount = details.mount;
    this.status = details.status;
    this.reason = details.reason;
    this.claims = details.claims;
  }
}

/** Vault's answer did not have the shape Vault documents: a proxy, a version drift, or a bug. */
export class ResponseShapeError extends VaultClientError {
  readonly path: string;
  readonly status: number;
  /** Where the shape was wrong (`auth.client_token: expected string`), never the values. */
  readonly issues: string[];

  constructor(message: string, details: { path: string; status: number; issues: string[] }) {
    super('ERR_VAULT_RESPONSE_SHAPE', message);
    this.path = details.path;
    this.status = details.status;
    this.issues = details.issues;
  }
}

/** The caller's schema rejected a secret's data. Names the fields, never their values. */
export class SecretSchemaError extends VaultClientError {
  readonly path: string;
  readonly issues: { field: string; problem: string }[];

  constructor(message: string, details: { path: string; issues: { field: string; problem: string }[] }) {
    super('ERR_SECRET_SCHEMA', message);
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
    super('ERR_SECRET_FILE', message, { cause });
    this.file = details.file;
    this.problem = details.problem;
  }
}

/** A lease could not be renewed, or ran out before a replacement was fetched. */
export class LeaseError extends VaultClientError {
  readonly path: string;
  readonly leaseId: string | undefined;

  constructor(
    code: 'ERR_LEASE_RENEWAL' | 'ERR_LEASE_EXPIRED',
    message: string,
    details: { path: string; leaseId?: string },
    cause?: unknown,
  ) {
    super(code, message, { cause });
    this.path = details.path;
    this.leaseId = details.leaseId;
  }
}

/** A call's own arguments are unusable (a path that escapes its segment, a body that is not JSON). */
export class InvalidRequestError extends VaultClientError {
  constructor(message: string) {
    super('ERR_INVALID_REQUEST', message);
  }
}

/** An app's event or watch listener threw; reported so that it is seen, never rethrown into the client. */
export class ListenerError extends VaultClientError {
  constructor(message: string, cause: unknown) {
    super('ERR_LISTENER', message, { cause });
  }
}

/** The client was closed; create a new one to make more calls. */
export class ClientClosedError extends VaultClientError {
  constructor(message = 'the VaultKubernetesClient is closed; create a new client to make more calls') {
    super('ERR_CLIENT_CLOSED', message);
  }
}
