import { VaultConfigError } from './errors';
import { systemClock } from './internal/clock';
import { consoleLogger, filterLogger } from './internal/logger';
import { describeIssues, optionsSchema, type ParsedOptions } from './options-schema';
import type { JwtSource } from './types/auth';
import type { Clock } from './types/clock';
import type { Logger } from './types/logger';
import type { ClientOptions } from './types/options';

export const DEFAULT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

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
    drainMs: number;
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
      drainMs: o.secrets?.drainMs ?? 30_000,
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
