import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AppRoleAuth } from './auth/approle-login';
import type { TokenSourceSpec } from './auth/token-source';
import { VaultConfigError } from './errors';
import { systemClock } from './internal/clock';
import { consoleLogger, filterLogger } from './internal/logger';
import { whatWasThrown } from './internal/thrown';
import {
  addressProblem,
  describeIssues,
  namespaceProblem,
  optionsSchema,
  type ParsedOptions,
} from './options-schema';
import type { CredentialSource } from './types/auth';
import type { Clock } from './types/clock';
import type { Logger } from './types/logger';
import type { ClientOptions } from './types/options';

export const DEFAULT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** A login with a JWT: the pod's service-account token for Kubernetes auth, any JWT for JWT auth. */
export interface JwtBasedAuth {
  method: 'kubernetes' | 'jwt';
  role: string;
  mount: string;
  tokenPath: string;
  jwt: CredentialSource | undefined;
  /** The namespace the login goes to; the client's namespace when not given. */
  namespace: string | undefined;
}

/** How the client gets its token, resolved from `auth` and the environment (no file read yet). */
export type ResolvedAuth =
  | JwtBasedAuth
  | AppRoleAuth
  | { method: 'token'; source: TokenSourceSpec; namespace: string | undefined };

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
  maxResponseBytes: number;
  telemetry: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Validates options once and resolves them: constructor option, then the Vault CLI's
 * environment variables, then defaults. Reads no files: paths are kept for the first request.
 */
export function resolveOptions(input: ClientOptions = {}, env: Env = process.env): ResolvedOptions {
  let parsed: ReturnType<typeof optionsSchema.safeParse>;
  try {
    // zod reads each option once, into a copy: a getter is not consulted again later.
    parsed = optionsSchema.safeParse(input);
  } catch (thrown) {
    throw new VaultConfigError(
      `the options could not be read: reading them threw ${whatWasThrown(thrown)}; pass a plain object of values (no getter or Proxy that throws)`,
    );
  }
  if (!parsed.success) throw new VaultConfigError(describeIssues(parsed.error.issues));
  const o = parsed.data;

  const address = resolveAddress(o.address, env);
  const namespace = resolveNamespace(o.namespace, env);

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
    namespace,
    auth: resolveAuth(o.auth, env, address, namespace),
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
    maxResponseBytes: o.maxResponseBytes ?? 32 * 1024 * 1024,
    telemetry: o.telemetry ?? true,
  };
}

/** The option, else VAULT_ADDR, checked by the same rule; trailing slashes dropped. */
function resolveAddress(option: string | undefined, env: Env): string {
  const fromEnv = option === undefined;
  const address = (option ?? env.VAULT_ADDR?.trim())?.replace(/\/+$/, '');
  if (!address) {
    throw new VaultConfigError(
      "no Vault address: pass `address: 'https://vault.vault.svc:8200'` to the constructor or set VAULT_ADDR",
    );
  }
  const problem = addressProblem(address);
  if (problem) throw new VaultConfigError(`${fromEnv ? 'VAULT_ADDR' : "option 'address':"} ${problem}`);
  return address;
}

/** The option, else VAULT_NAMESPACE; empty means none. Slashes around it are dropped. */
function resolveNamespace(option: string | undefined, env: Env): string | undefined {
  const value = option ?? env.VAULT_NAMESPACE;
  if (value === undefined) return undefined;
  const problem = namespaceProblem(value);
  if (problem)
    throw new VaultConfigError(
      `${option === undefined ? 'VAULT_NAMESPACE' : "option 'namespace':"} ${problem}`,
    );
  return value.trim().replace(/^\/+|\/+$/g, '') || undefined;
}

function resolveAuth(
  auth: ParsedOptions['auth'],
  env: Env,
  address: string,
  namespace: string | undefined,
): ResolvedAuth {
  switch (auth?.method) {
    case 'kubernetes':
    case 'jwt':
      return {
        method: auth.method,
        role: auth.role,
        mount: auth.mount ?? auth.method,
        tokenPath: auth.tokenPath ?? DEFAULT_TOKEN_PATH,
        jwt: auth.jwt as CredentialSource | undefined,
        namespace: auth.namespace ?? namespace,
      };
    case 'approle':
      return {
        method: 'approle',
        roleId: auth.roleId,
        roleIdFile: auth.roleIdFile,
        secretId: auth.secretId as CredentialSource | undefined,
        secretIdFile: auth.secretIdFile,
        wrappedSecretId: auth.wrappedSecretId,
        mount: auth.mount ?? 'approle',
        namespace: auth.namespace ?? namespace,
      };
    case 'token':
      return {
        method: 'token',
        source:
          auth.token !== undefined
            ? { kind: 'value', token: auth.token, from: 'auth.token' }
            : { kind: 'file', path: auth.tokenPath! },
        namespace,
      };
    case undefined:
      return { method: 'token', source: environmentToken(env, address), namespace };
  }
}

/**
 * No `auth`: the Vault CLI's own order. VAULT_TOKEN; else, at the first login, the token helper
 * set in its config file or the token `vault login` left in ~/.vault-token. No file is read here.
 */
function environmentToken(env: Env, address: string): TokenSourceSpec {
  const token = env.VAULT_TOKEN?.trim();
  if (token) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a token is one header value
    if (/[\u0000-\u001f\u007f]/.test(token)) {
      throw new VaultConfigError(
        'VAULT_TOKEN holds a line break or another control character; set it to the token alone',
      );
    }
    return { kind: 'value', token, from: 'VAULT_TOKEN' };
  }
  const home = env.HOME?.trim() || homedir();
  return {
    kind: 'cli',
    configPath: env.VAULT_CONFIG_PATH?.trim() || join(home, '.vault'),
    tokenFile: join(home, '.vault-token'),
    address,
  };
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
