import { VaultConfigError } from './errors';
import { type Clock, systemClock } from './internal/clock';
import { consoleLogger, filterLogger, type Logger, type LogLevel } from './internal/logger';
import { describeIssues, optionsSchema, type ParsedOptions } from './options-schema';

export const DEFAULT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Where the service-account JWT comes from when it is not the pod's token file. */
export type JwtSource = string | (() => string | Promise<string>);

export interface KubernetesAuthOptions {
  method?: 'kubernetes';
  /** The Vault role, as in `vault write auth/kubernetes/role/<role>`. */
  role: string;
  /** Where the auth method is mounted; default `kubernetes`. */
  mount?: string;
  /** The service-account token file, re-read at every login; default the pod's projected token. */
  tokenPath?: string;
  /** A JWT, or a function returning one, instead of the file. */
  jwt?: JwtSource;
}

export interface TokenAuthOptions {
  method: 'token';
  /** A Vault token, for local development (`vault server -dev`, the mock Vault). */
  token: string;
}

export interface TlsOptions {
  /** PEM of the CA that signed Vault's certificate. */
  caCert?: string;
  /** File holding that PEM (`VAULT_CACERT`). */
  caCertFile?: string;
  /** Directory of PEM files to trust (`VAULT_CAPATH`). */
  caPath?: string;
  /** Client certificate and key for mTLS, as PEM or as files (`VAULT_CLIENT_CERT`, `VAULT_CLIENT_KEY`). */
  clientCert?: string;
  clientKey?: string;
  clientCertFile?: string;
  clientKeyFile?: string;
  /** The name to verify Vault's certificate against, when it differs from the address (`VAULT_TLS_SERVER_NAME`). */
  serverName?: string;
  /** Turns certificate verification off (`VAULT_SKIP_VERIFY`). Never in production. */
  skipVerify?: boolean;
}

export interface ClientOptions {
  /** `https://vault.example:8200`; falls back to `VAULT_ADDR`. */
  address?: string;
  /** Vault Enterprise namespace for every call, login included; falls back to `VAULT_NAMESPACE`. */
  namespace?: string;
  /** Kubernetes login (default) or a static token; with neither, `VAULT_TOKEN` is used if set. */
  auth?: KubernetesAuthOptions | TokenAuthOptions;
  tls?: TlsOptions;
  timeouts?: {
    /** One HTTP attempt; default 10 s. */
    requestMs?: number;
    /** A whole call with its retries; default 60 s. */
    totalMs?: number;
  };
  retry?: {
    /** Retries after the first attempt; default 2. */
    maxRetries?: number;
    minDelayMs?: number;
    maxDelayMs?: number;
    /** The longest `Retry-After` honoured; a longer one fails the call at once. Default 30 s. */
    maxRetryAfterMs?: number;
  };
  /** Token lifecycle. */
  token?: {
    /** Renew at this share of the TTL, give or take `jitter`; default 2/3. */
    renewAt?: number;
    /** Random spread around `renewAt`, as a share of it; default 0.1. */
    jitter?: number;
    /** Backoff between failed logins; Vault Agent's defaults, 1 s to 5 min. */
    loginBackoff?: { minMs?: number; maxMs?: number };
  };
  /** Managed secrets (`secret()`, `watch()`): cache bound and lifecycle timing. */
  secrets?: SecretsOptions;
  /** A pino-style logger; default warnings and errors to the console. */
  logger?: Logger;
  /** Default `warn`. */
  logLevel?: LogLevel;
  /** Time and timers; the mock Vault's ManualClock in tests. */
  clock?: Clock;
  /** A fetch implementation, for instrumentation. Default the global fetch. */
  fetch?: typeof fetch;
  /**
   * OpenTelemetry metrics and spans (when the app registered an SDK) and `diagnostics_channel` events.
   * @default true
   */
  telemetry?: boolean | undefined;
}

export interface SecretsOptions {
  /** Cached secrets kept at most (least recently used go first; watched ones are kept). Default 1000. */
  maxEntries?: number;
  /** Renew a lease at this share of its TTL, give or take `jitter`; default 2/3 (Vault Agent's timing). */
  renewAt?: number;
  /** Random spread around `renewAt`, as a share of it; default 0.1. */
  jitter?: number;
  /**
   * When a lease can no longer be extended (max TTL), fetch its replacement this share of the
   * lease's TTL before it expires; default 1/3 (20 minutes for a 1 h lease).
   */
  rotateBefore?: number;
  /** Old and new credentials overlap this long before the old lease is revoked; default 60 s. */
  graceMs?: number;
  /** How often secrets without a lease (KV) are checked for a new version; default 5 min. */
  pollIntervalMs?: number;
  /** Re-issue a certificate at this share of its lifetime; default 2/3. */
  certificateRenewAt?: number;
  /** Backoff between failed background fetches and renewals; default 1 s to 5 min. */
  backoff?: { minMs?: number; maxMs?: number };
}

/** Per-call options: they win over the client's options for one call. */
export interface CallOptions {
  signal?: AbortSignal;
  /** One attempt; overrides `timeouts.requestMs`. */
  timeoutMs?: number;
  namespace?: string;
  /** Retries after the first attempt for this call; overrides `retry.maxRetries`. */
  maxRetries?: number;
}

export type ResolvedAuth =
  | { method: 'kubernetes'; role: string; mount: string; tokenPath: string; jwt: JwtSource | undefined }
  | { method: 'token'; token: string };

export interface ResolvedTls {
  caCert: string | undefined;
  caCertFile: string | undefined;
  caPath: string | undefined;
  clientCert: string | undefined;
  clientKey: string | undefined;
  clientCertFile: string | undefined;
  clientKeyFile: string | undefined;
  serverName: string | undefined;
  skipVerify: boolean;
}

export interface ResolvedOptions {
  address: string;
  namespace: string | undefined;
  auth: ResolvedAuth;
  tls: ResolvedTls;
  timeouts: { requestMs: number; totalMs: number };
  retry: { maxRetries: number; minDelayMs: number; maxDelayMs: number; maxRetryAfterMs: number };
  token: { renewAt: number; jitter: number; loginBackoff: { minMs: number; maxMs: number } };
  secrets: {
    maxEntries: number;
    renewAt: number;
    jitter: number;
    rotateBefore: number;
    graceMs: number;
    pollIntervalMs: number;
    certificateRenewAt: number;
    backoff: { minMs: number; maxMs: number };
  };
  logger: Logger;
  clock: Clock;
  fetch: typeof fetch | undefined;
  telemetry: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Validates options once and resolves them: constructor option, then the Vault CLI's
 * environment variables, then defaults. Reads no files: paths are kept for the first request.
 */
export function resolveOptions(input: ClientOptions = {}, env: Env = process.env): ResolvedOptions {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) throw new VaultConfigError(describeIssues(parsed.error.issues));
  const o = parsed.data;

  const address = (o.address ?? env.VAULT_ADDR?.trim())?.replace(/\/+$/, '');
  if (!address) {
    throw new VaultConfigError(
      "no Vault address: pass `address: 'https://vault.vault.svc:8200'` to the constructor or set VAULT_ADDR",
    );
  }
  if (!/^https?:\/\/[^/\s]+/.test(address)) {
    throw new VaultConfigError(`VAULT_ADDR is not an http(s) URL; write it as 'https://vault.example:8200'`);
  }

  const tls = resolveTls(o.tls ?? {}, env);
  const logger = filterLogger(o.logger ?? consoleLogger, o.logLevel ?? 'warn');
  const minDelayMs = o.retry?.minDelayMs ?? 250;
  const maxDelayMs = o.retry?.maxDelayMs ?? 8_000;
  if (minDelayMs > maxDelayMs)
    throw new VaultConfigError('option retry.minDelayMs is larger than retry.maxDelayMs; swap them');
  const loginMin = o.token?.loginBackoff?.minMs ?? 1_000;
  const loginMax = o.token?.loginBackoff?.maxMs ?? 300_000;
  if (loginMin > loginMax) {
    throw new VaultConfigError(
      'option token.loginBackoff.minMs is larger than token.loginBackoff.maxMs; swap them',
    );
  }
  return {
    address,
    namespace: (o.namespace ?? env.VAULT_NAMESPACE?.trim()) || undefined,
    auth: resolveAuth(o.auth, env),
    tls,
    timeouts: { requestMs: o.timeouts?.requestMs ?? 10_000, totalMs: o.timeouts?.totalMs ?? 60_000 },
    retry: {
      maxRetries: o.retry?.maxRetries ?? 2,
      minDelayMs,
      maxDelayMs,
      maxRetryAfterMs: o.retry?.maxRetryAfterMs ?? 30_000,
    },
    token: {
      renewAt: o.token?.renewAt ?? 2 / 3,
      jitter: o.token?.jitter ?? 0.1,
      loginBackoff: { minMs: loginMin, maxMs: loginMax },
    },
    secrets: {
      maxEntries: o.secrets?.maxEntries ?? 1000,
      renewAt: o.secrets?.renewAt ?? 2 / 3,
      jitter: o.secrets?.jitter ?? 0.1,
      rotateBefore: o.secrets?.rotateBefore ?? 1 / 3,
      graceMs: o.secrets?.graceMs ?? 60_000,
      pollIntervalMs: o.secrets?.pollIntervalMs ?? 300_000,
      certificateRenewAt: o.secrets?.certificateRenewAt ?? 2 / 3,
      backoff: { minMs: o.secrets?.backoff?.minMs ?? 1_000, maxMs: o.secrets?.backoff?.maxMs ?? 300_000 },
    },
    logger,
    clock: o.clock ?? systemClock,
    fetch: o.fetch,
    telemetry: o.telemetry ?? true,
  };
}

function resolveAuth(auth: ParsedOptions['auth'], env: Env): ResolvedAuth {
  if (auth && 'token' in auth) return { method: 'token', token: auth.token };
  if (auth) {
    return {
      method: 'kubernetes',
      role: auth.role,
      mount: auth.mount?.replace(/^\/+|\/+$/g, '').replace(/^auth\//, '') || 'kubernetes',
      tokenPath: auth.tokenPath ?? DEFAULT_TOKEN_PATH,
      jwt: auth.jwt as JwtSource | undefined,
    };
  }
  const token = env.VAULT_TOKEN?.trim();
  if (token) return { method: 'token', token };
  throw new VaultConfigError(
    "no auth: pass `auth: { role: 'my-role' }` for Kubernetes login (or `auth: { method: 'token', token }` for local development), or set VAULT_TOKEN",
  );
}

function resolveTls(tls: NonNullable<ParsedOptions['tls']>, env: Env): ResolvedTls {
  // The CA and the client certificate are each one setting: given in code, the environment is not consulted.
  const caInCode = tls.caCert !== undefined || tls.caCertFile !== undefined || tls.caPath !== undefined;
  const clientInCode = [tls.clientCert, tls.clientKey, tls.clientCertFile, tls.clientKeyFile].some(
    (v) => v !== undefined,
  );
  const resolved: ResolvedTls = {
    caCert: tls.caCert,
    caCertFile: caInCode ? tls.caCertFile : env.VAULT_CACERT?.trim() || undefined,
    caPath: caInCode ? tls.caPath : env.VAULT_CAPATH?.trim() || undefined,
    clientCert: tls.clientCert,
    clientKey: tls.clientKey,
    clientCertFile: clientInCode ? tls.clientCertFile : env.VAULT_CLIENT_CERT?.trim() || undefined,
    clientKeyFile: clientInCode ? tls.clientKeyFile : env.VAULT_CLIENT_KEY?.trim() || undefined,
    serverName: tls.serverName ?? (env.VAULT_TLS_SERVER_NAME?.trim() || undefined),
    skipVerify: tls.skipVerify ?? parseBool(env.VAULT_SKIP_VERIFY, 'VAULT_SKIP_VERIFY'),
  };
  const hasCert = resolved.clientCert !== undefined || resolved.clientCertFile !== undefined;
  const hasKey = resolved.clientKey !== undefined || resolved.clientKeyFile !== undefined;
  if (hasCert !== hasKey) {
    throw new VaultConfigError(
      'mTLS needs both a client certificate and its key: set tls.clientCert and tls.clientKey (or the *File options, or VAULT_CLIENT_CERT and VAULT_CLIENT_KEY)',
    );
  }
  return resolved;
}

/** Go's strconv.ParseBool, which the Vault CLI uses for VAULT_SKIP_VERIFY. */
function parseBool(value: string | undefined, name: string): boolean {
  if (value === undefined || value.trim() === '') return false;
  const v = value.trim();
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new VaultConfigError(
    `${name}=${JSON.stringify(v)} is not a boolean; write ${name}=true or ${name}=false`,
  );
}
