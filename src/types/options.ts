import type { AuthOptions } from './auth';
import type { Clock } from './clock';
import type { Logger, LogLevel } from './logger';

/**
 * The constructor's options. All are optional: the Vault CLI's environment variables (`VAULT_ADDR`,
 * `VAULT_NAMESPACE`, `VAULT_CACERT`, `VAULT_TOKEN`, ...) fill what is not given. Every optional
 * field accepts `undefined` as "not set", so `address: process.env.VAULT_ADDR` typechecks under
 * `exactOptionalPropertyTypes`. Options are checked in the constructor, before any I/O: a wrong one
 * throws a `VaultConfigError` that names it and says what to write instead.
 *
 * @example
 * ```ts
 * const vault = new VaultKubernetesClient({
 *   address: 'https://vault.vault.svc:8200',
 *   auth: { role: 'my-app' },
 * });
 * ```
 */
export interface ClientOptions {
  /** `https://vault.example:8200`, without `/v1`; falls back to `VAULT_ADDR`. */
  address?: string | undefined;
  /** Vault Enterprise namespace for every call, login included; falls back to `VAULT_NAMESPACE`. */
  namespace?: string | undefined;
  /**
   * How to get a token. Without it: `VAULT_TOKEN`, then the Vault CLI's `~/.vault-token`.
   * @see {@link AuthOptions}
   */
  auth?: AuthOptions | undefined;
  /** Trust and client certificates; falls back to the Vault CLI's `VAULT_CACERT` and friends. */
  tls?: TlsOptions | undefined;
  timeouts?:
    | {
        /**
         * One HTTP attempt, and a login's JWT or secret-id source.
         * @default 10_000
         */
        requestMs?: number | undefined;
        /**
         * A whole call with its retries and a re-login.
         * @default 60_000
         */
        totalMs?: number | undefined;
      }
    | undefined;
  retry?: RetryOptions | undefined;
  /** Token lifecycle. */
  token?: TokenOptions | undefined;
  /** Managed secrets (`secret()`, `watch()`): cache bound and lifecycle timing. */
  secrets?: SecretsOptions | undefined;
  /**
   * A pino-style logger.
   * @default one line per entry to stderr: JSON lines when stderr is not a terminal.
   */
  logger?: Logger | undefined;
  /** @default 'warn' */
  logLevel?: LogLevel | undefined;
  /** Time and timers; the mock Vault's `ManualClock` in tests. */
  clock?: Clock | undefined;
  /**
   * A fetch implementation, for instrumentation; it makes its own connections, so it cannot be
   * combined with `tls`. Default: the client's own connection pool (undici's request API).
   */
  fetch?: typeof fetch | undefined;
  /**
   * The largest answer accepted, in bytes, counted while it streams; a larger one fails with
   * `VaultResponseTooLargeError` and its connection is dropped.
   * @default 33_554_432 (32 MiB, Vault's own request size limit)
   */
  maxResponseBytes?: number | undefined;
  /**
   * OpenTelemetry metrics and spans (when the app registered an SDK) and `diagnostics_channel` events.
   * @default true
   */
  telemetry?: boolean | undefined;
}

/** Retries of one call. */
export interface RetryOptions {
  /**
   * Retries after the first attempt.
   * @default 2
   */
  maxRetries?: number | undefined;
  /** @default 250 */
  minDelayMs?: number | undefined;
  /** @default 8_000 */
  maxDelayMs?: number | undefined;
  /**
   * The longest `Retry-After` honoured; a longer one fails the call at once.
   * @default 30_000
   */
  maxRetryAfterMs?: number | undefined;
}

/** When the token is renewed and how failed logins back off. */
export interface TokenOptions {
  /**
   * Renew at this share of the TTL, give or take `jitter`.
   * @default 2/3
   */
  renewAt?: number | undefined;
  /**
   * Random spread around `renewAt`, as a share of it.
   * @default 0.1
   */
  jitter?: number | undefined;
  /** Backoff between failed logins; Vault Agent's defaults, 1 s to 5 min. */
  loginBackoff?: BackoffOptions | undefined;
}

/** An exponential backoff's bounds. */
export interface BackoffOptions {
  minMs?: number | undefined;
  maxMs?: number | undefined;
}

/** TLS settings; each has the Vault CLI's environment variable as its fallback. */
export interface TlsOptions {
  /** PEM of the CA that signed Vault's certificate. */
  caCert?: string | undefined;
  /** File holding that PEM (`VAULT_CACERT`). */
  caCertFile?: string | undefined;
  /** Directory of PEM files to trust (`VAULT_CAPATH`). */
  caPath?: string | undefined;
  /** Client certificate for mTLS, as PEM. */
  clientCert?: string | undefined;
  /** Client key for mTLS, as PEM. */
  clientKey?: string | undefined;
  /** Client certificate file (`VAULT_CLIENT_CERT`). */
  clientCertFile?: string | undefined;
  /** Client key file (`VAULT_CLIENT_KEY`). */
  clientKeyFile?: string | undefined;
  /** The name to verify Vault's certificate against, when it differs from the address (`VAULT_TLS_SERVER_NAME`). */
  serverName?: string | undefined;
  /** Turns certificate verification off (`VAULT_SKIP_VERIFY`). Never in production. */
  skipVerify?: boolean | undefined;
}

/** Managed secrets: cache bound and lifecycle timing. */
export interface SecretsOptions {
  /**
   * Cached secrets kept at most (least recently used go first; watched ones are kept).
   * @default 1000
   */
  maxEntries?: number | undefined;
  /**
   * Renew a lease at this share of its TTL, give or take `jitter` (Vault Agent's timing).
   * @default 2/3
   */
  renewAt?: number | undefined;
  /**
   * Random spread around `renewAt`, as a share of it.
   * @default 0.1
   */
  jitter?: number | undefined;
  /**
   * When a lease can no longer be extended (max TTL), fetch its replacement this share of the
   * lease's TTL before it expires (20 minutes for a 1 h lease).
   * @default 1/3
   */
  rotateBefore?: number | undefined;
  /**
   * Old and new credentials overlap this long before the old lease is revoked, when no listener
   * awaits the change.
   * @default 60_000
   */
  graceMs?: number | undefined;
  /**
   * The longest the old lease is kept for listeners still draining after a change (a returned
   * promise that has not settled); then it is revoked anyway and an `error` event says so.
   * @default 30_000
   */
  drainMs?: number | undefined;
  /**
   * How often secrets without a lease (KV) are checked for a new version.
   * @default 300_000
   */
  pollIntervalMs?: number | undefined;
  /**
   * Re-issue a certificate at this share of its lifetime.
   * @default 2/3
   */
  certificateRenewAt?: number | undefined;
  /** Backoff between failed background fetches and renewals; default 1 s to 5 min. */
  backoff?: BackoffOptions | undefined;
}
