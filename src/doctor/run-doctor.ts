import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { VaultKubernetesClient } from '../client';
import { VaultConfigError, VaultLoginError } from '../errors';
import { createDispatcher } from '../http/tls';
import { Redactor } from '../internal/redact';
import type { ResolvedOptions } from '../options';
import { resolveOptions } from '../options';
import type { ClientOptions } from '../types/options';
import { type CheckResult, type DoctorReport, fail, pass, report } from './check';
import { interpretClockSkew, interpretHealth, probeHealth } from './checks/health';
import { diagnoseLogin, needsProbing, type RefusedLogin } from './checks/login-diagnosis';
import { checkDns, checkTcp, endpointOf } from './checks/network';
import { type FetchWith, probeAuthMount, probeCluster } from './checks/probes';
import { handshake, interpretHandshake } from './checks/tls';
import {
  checkPath,
  checkPolicies,
  checkTokenTimes,
  pathsToAsk,
  type TokenTimes,
} from './checks/token-checks';
import { checkTokenFile, type TokenFileFacts } from './checks/token-file';
import type { DoctorOptions } from './doctor-options';
import { loadTlsMaterial } from './tls-material';

export interface DoctorEnvironment {
  /** The Vault CLI's variables (VAULT_ADDR, VAULT_CACERT, VAULT_TOKEN...); `process.env` from the CLI. */
  env: Readonly<Record<string, string | undefined>>;
  /** This machine's wall clock: compared with Vault's and with the JWT's expiry. */
  now?: () => number;
  fetch?: typeof fetch;
  /** Budget of each network probe and Vault call; default 5 s. */
  timeoutMs?: number;
}

export interface DoctorRun {
  report: DoctorReport;
  /** Checks not run because one they depend on failed. */
  skipped: string[];
}

type Auth = { kind: 'kubernetes'; role: string } | { kind: 'token'; token: string } | { kind: 'none' };

/**
 * The usual failures of Kubernetes auth, in the order they bite: the token file, the address
 * (DNS, TCP, TLS, Vault's health and clock), the login, then what the token may do. A check whose
 * premise failed is not run (and listed as skipped) rather than failing again for the same cause.
 */
export async function runDoctor(options: DoctorOptions, environment: DoctorEnvironment): Promise<DoctorRun> {
  const now = environment.now ?? Date.now;
  const timeoutMs = environment.timeoutMs ?? 5_000;
  const env = environment.env;
  const baseFetch = environment.fetch ?? fetch;
  const checks: CheckResult[] = [];
  const skipped: string[] = [];
  const redactor = new Redactor();
  const done = (): DoctorRun => ({ report: scrub(report(checks), redactor), skipped });

  const token = env.VAULT_TOKEN?.trim();
  redactor.add(token);
  const auth: Auth = options.role
    ? { kind: 'kubernetes', role: options.role }
    : token
      ? { kind: 'token', token }
      : { kind: 'none' };
  let resolved: ResolvedOptions;
  try {
    // The role here only satisfies the option check: which auth runs is decided above.
    resolved = resolveOptions(
      { auth: { role: options.role ?? 'doctor', mount: options.mount, tokenPath: options.tokenPath } },
      env,
    );
  } catch (error) {
    if (!(error instanceof VaultConfigError)) throw error;
    checks.push(
      fail('config', error.message, 'set VAULT_ADDR (and the other VAULT_* variables) as for the vault CLI'),
    );
    skipped.push('everything else');
    return done();
  }
  const roleRef = `auth/${options.mount}/role/${options.role ?? '<role>'}`;
  if (auth.kind === 'none') {
    checks.push(
      fail(
        'config',
        `Vault at ${resolved.address}, but nothing to log in with: no --role given and VAULT_TOKEN is not set`,
        'pass --role <the Vault role of this app> to check a Kubernetes login, or set VAULT_TOKEN to check a token',
      ),
    );
  } else {
    const as =
      auth.kind === 'kubernetes'
        ? `logging in with role "${auth.role}" at auth/${options.mount}`
        : 'using the token in VAULT_TOKEN (no --role given)';
    const ns = resolved.namespace ? `, namespace ${resolved.namespace}` : '';
    checks.push(pass('config', `Vault at ${resolved.address}${ns}; ${as}`));
  }

  let tokenFile: TokenFileFacts | undefined;
  if (auth.kind === 'kubernetes') {
    const { result, facts } = await checkTokenFile(options.tokenPath, now());
    checks.push(result);
    tokenFile = facts;
    redactor.add(facts?.jwt);
  }

  // The address, layer by layer: each failure explains every later one, so stop at the first.
  const endpoint = endpointOf(resolved.address);
  const network: [string, () => Promise<CheckResult>][] = [
    ['dns', () => checkDns(endpoint)],
    ['tcp', () => checkTcp(endpoint, timeoutMs)],
    [
      'tls',
      async () => {
        try {
          const material = await loadTlsMaterial(resolved.tls);
          return interpretHandshake(
            endpoint,
            await handshake(endpoint, material, timeoutMs),
            material,
            now(),
          );
        } catch (error) {
          return fail('tls', (error as Error).message, 'fix the path or the permissions of the file named');
        }
      },
    ],
  ];
  for (const [id, run] of network) {
    const result = await run();
    checks.push(result);
    if (!result.ok) {
      skipped.push(...network.map(([n]) => n).slice(network.findIndex(([n]) => n === id) + 1));
      skipped.push('health', 'clock-skew', 'login', 'policies', 'token-ttl');
      return done();
    }
  }

  const agent = await createDispatcher(resolved.tls);
  // undici 7's Agent type differs from the undici-types bundled with @types/node 20.
  const dispatcher: unknown = agent;
  const fetchWith: FetchWith = (url, init) => baseFetch(url, { ...init, dispatcher } as RequestInit);
  let client: VaultKubernetesClient | undefined;
  try {
    const health = await probeHealth(resolved.address, fetchWith, now, timeoutMs);
    const healthResult = interpretHealth(health);
    checks.push(healthResult);
    const skew = interpretClockSkew(health);
    if (skew) checks.push(skew);
    else if (!healthResult.ok) skipped.push('clock-skew');
    if (!healthResult.ok) {
      skipped.push('login', 'policies', 'token-ttl');
      return done();
    }
    if (auth.kind === 'none' || (auth.kind === 'kubernetes' && !tokenFile)) {
      skipped.push('login', 'policies', 'token-ttl');
      return done();
    }

    client = new VaultKubernetesClient(clientOptions(resolved, options, auth, timeoutMs, environment.fetch));
    try {
      await client.start();
    } catch (error) {
      checks.push(
        ...(await explainLoginFailure(error, {
          options,
          resolved,
          tokenFile,
          fetchWith,
          baseFetch,
          timeoutMs,
          auth,
        })),
      );
      skipped.push('policies', 'token-ttl', ...options.paths.map((p) => `path:${p}`));
      return done();
    }
    const info = client.tokenInfo();
    // lookup-self is in the default policy; a role with token_no_default_policy may lack it.
    const lookup = ((await client.read('auth/token/lookup-self').catch(() => undefined))?.data ??
      {}) as Record<string, unknown>;
    const policies = info?.policies ?? [];
    checks.push(
      auth.kind === 'kubernetes'
        ? {
            ...pass(
              'login',
              `logged in with role "${auth.role}" at auth/${options.mount} as ${tokenFile?.namespace}/${tokenFile?.serviceAccount}`,
            ),
          }
        : pass('login', `VAULT_TOKEN is a valid token (${String(lookup.display_name ?? 'no display name')})`),
    );
    const where =
      auth.kind === 'kubernetes'
        ? `vault write ${roleRef} token_policies=<policies>`
        : 'create the token with -policy=<policy>';
    checks.push(checkPolicies(policies, where));
    if (options.paths.length > 0) checks.push(...(await checkPaths(client, options.paths)));
    checks.push(
      checkTokenTimes(
        await tokenTimes(client, lookup, auth.kind === 'kubernetes'),
        auth.kind === 'kubernetes' ? roleRef : 'the token',
      ),
    );
    return done();
  } finally {
    // Revoke what doctor logged in for: a diagnosis must not leave tokens behind.
    await client?.close({ revoke: auth.kind === 'kubernetes' }).catch(() => undefined);
    await agent.destroy().catch(() => undefined);
  }
}

function clientOptions(
  resolved: ResolvedOptions,
  options: DoctorOptions,
  auth: Auth,
  timeoutMs: number,
  fetchImpl: typeof fetch | undefined,
): ClientOptions {
  const t = resolved.tls;
  const tls = Object.fromEntries(
    Object.entries({
      caCert: t.caCert,
      caCertFile: t.caCertFile,
      caPath: t.caPath,
      clientCertFile: t.clientCertFile,
      clientKeyFile: t.clientKeyFile,
      serverName: t.serverName,
      skipVerify: t.skipVerify || undefined,
    }).filter(([, v]) => v !== undefined),
  );
  return {
    address: resolved.address,
    ...(resolved.namespace ? { namespace: resolved.namespace } : {}),
    auth:
      auth.kind === 'kubernetes'
        ? { role: auth.role, mount: options.mount, tokenPath: options.tokenPath }
        : { method: 'token', token: auth.kind === 'token' ? auth.token : '' },
    tls,
    timeouts: { requestMs: timeoutMs, totalMs: timeoutMs * 2 },
    retry: { maxRetries: 0 },
    logLevel: 'silent',
    // A diagnosis is not the app's traffic: it records no spans or metrics.
    telemetry: false,
    // A fetch of the caller's makes its own connections and cannot carry the TLS settings: with
    // TLS the client uses its own pool (the client refuses `fetch` together with `tls`).
    ...(fetchImpl && Object.keys(tls).length === 0 ? { fetch: fetchImpl } : {}),
  };
}

interface LoginContext {
  options: DoctorOptions;
  resolved: ResolvedOptions;
  tokenFile: TokenFileFacts | undefined;
  fetchWith: FetchWith;
  baseFetch: typeof fetch;
  timeoutMs: number;
  auth: Auth;
}

/** A failed login (or token lookup), with the probes that tell Vault's bare "permission denied" apart. */
async function explainLoginFailure(error: unknown, ctx: LoginContext): Promise<CheckResult[]> {
  const message = error instanceof Error ? error.message : String(error);
  if (ctx.auth.kind === 'token') {
    return [
      fail(
        'login',
        `VAULT_TOKEN was refused: ${message}`,
        'log in again (vault login) and export the new token',
      ),
    ];
  }
  if (!(error instanceof VaultLoginError) || !ctx.tokenFile) {
    return [
      fail(
        'login',
        `the login failed: ${message}`,
        'see the message; the checks above passed, so Vault itself answered this',
      ),
    ];
  }
  const { options, tokenFile } = ctx;
  const refused: RefusedLogin = {
    role: error.role,
    mount: error.mount,
    reason: error.reason,
    namespace: tokenFile.namespace,
    serviceAccount: tokenFile.serviceAccount,
    audience: tokenFile.audience,
    issuer: tokenFile.issuer,
  };
  if (!needsProbing(error.reason)) return [diagnoseLogin(refused)];
  const probes: CheckResult[] = [];
  const mount = await probeAuthMount(
    ctx.resolved.address,
    options.mount,
    ctx.resolved.namespace,
    ctx.fetchWith,
    ctx.timeoutMs,
  );
  probes.push(mount.result);
  refused.mounted = mount.mounted;
  if (mount.mounted !== false) {
    if (!options.kubernetesHost) {
      refused.cluster = {
        kind: 'unknown',
        why: 'not running in a pod (no KUBERNETES_SERVICE_HOST) and no --kubernetes-host',
      };
    } else if (tokenFile.audience.length > 0 && !forTheApiServer(tokenFile.audience, tokenFile.issuer)) {
      // A token for another audience (e.g. "vault") is refused by the API server whatever the
      // account's state, so asking with it would prove nothing.
      refused.cluster = {
        kind: 'unknown',
        why: `the token's audience ${JSON.stringify(tokenFile.audience)} is not the API server's, so the API cannot be asked with it`,
      };
    } else {
      const cluster = await probeCluster(
        options.kubernetesHost,
        tokenFile.jwt,
        await clusterFetch(options, ctx.baseFetch),
        ctx.timeoutMs,
      );
      probes.push(cluster.result);
      refused.cluster = cluster.verdict;
    }
  }
  return [diagnoseLogin(refused), ...probes];
}

/** The API server's CA is the `ca.crt` kubelet mounts beside the token; elsewhere, the system's. */
async function clusterFetch(options: DoctorOptions, baseFetch: typeof fetch): Promise<FetchWith> {
  const caFile = join(dirname(options.tokenPath), 'ca.crt');
  if (!options.kubernetesHost?.startsWith('https:') || !existsSync(caFile))
    return (url, init) => baseFetch(url, init);
  const { Agent } = await import('undici');
  const dispatcher: unknown = new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } });
  return (url, init) => baseFetch(url, { ...init, dispatcher } as RequestInit);
}

async function checkPaths(client: VaultKubernetesClient, paths: readonly string[]): Promise<CheckResult[]> {
  let data: Record<string, unknown>;
  try {
    data = ((await client.write('sys/capabilities-self', { paths: pathsToAsk(paths) })).data ?? {}) as Record<
      string,
      unknown
    >;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return paths.map((path) =>
      fail(
        `path:${path}`,
        `sys/capabilities-self failed: ${message}`,
        'the default policy allows it: check the role does not set token_no_default_policy',
      ),
    );
  }
  const capabilities = new Map<string, string[]>();
  for (const [path, value] of Object.entries(data)) {
    if (Array.isArray(value))
      capabilities.set(
        path,
        value.filter((c): c is string => typeof c === 'string'),
      );
  }
  return paths.map((path) => checkPath(path, capabilities));
}

/**
 * The token's times. For a token doctor logged in for, one renewal asking for far more than any
 * max TTL tells the max TTL (Vault caps the grant at it); a VAULT_TOKEN is left untouched.
 */
async function tokenTimes(
  client: VaultKubernetesClient,
  lookup: Record<string, unknown>,
  mayRenew: boolean,
): Promise<TokenTimes> {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const times: TokenTimes = {
    // Without lookup-self (no default policy), what the login said.
    ttl: num(lookup.creation_ttl) || num(lookup.ttl) || Math.round((client.tokenInfo()?.ttlMs ?? 0) / 1000),
    renewable:
      typeof lookup.renewable === 'boolean' ? lookup.renewable : client.tokenInfo()?.renewable === true,
    period: num(lookup.period),
    maxTtl: undefined,
    type: typeof lookup.type === 'string' ? lookup.type : 'service',
  };
  if (mayRenew && times.renewable && times.period === 0 && times.ttl > 0) {
    try {
      await client.write('auth/token/renew-self', { increment: '8760h' });
      const after = (await client.read('auth/token/lookup-self')).data as Record<string, unknown>;
      times.maxTtl = num(after.ttl);
    } catch {
      // leave the max TTL unknown
    }
  }
  return times;
}

function scrub(r: DoctorReport, redactor: Redactor): DoctorReport {
  return {
    ok: r.ok,
    checks: r.checks.map((c) => ({
      ...c,
      summary: redactor.text(c.summary),
      ...(c.fix !== undefined ? { fix: redactor.text(c.fix) } : {}),
    })),
  };
}

/**
 * Whether a token's audience is one the API server accepts: kube-apiserver's default
 * `--api-audiences` is its issuer, and clusters whose issuer is a public URL (EKS, GKE, AKS) also
 * accept the in-cluster service names.
 */
function forTheApiServer(audience: readonly string[], issuer: string | undefined): boolean {
  const api = new Set([
    'https://kubernetes.default.svc',
    'https://kubernetes.default.svc.cluster.local',
    'kubernetes.default.svc',
    ...(issuer ? [issuer] : []),
  ]);
  return audience.some((a) => api.has(a));
}
