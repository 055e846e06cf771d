import type { ErrorCode, Secret, SecretKind, VaultKubernetesClient } from 'vault-kubernetes-client';
import { codeOf, tokenProblem } from './client-state';
import { loadSecrets, normalizeSpecs, type SecretSpecs, SecretUnavailable } from './secret-specs';

export interface VaultReadinessOptions {
  /** Secrets that must be valid for the app to be ready. */
  secrets?: SecretSpecs | undefined;
  /**
   * A secret missing from the cache is fetched with one attempt of at most this long, so a probe
   * answers within its own timeout. Default 2000.
   */
  timeoutMs?: number | undefined;
}

/** States and lifetimes only: this is what a probe shows, so never a token, lease id or secret value. */
export interface VaultReadiness {
  ready: boolean;
  token: {
    valid: boolean;
    /** Remaining lifetime; null for a token that never expires, absent before login. */
    ttlMs?: number | null;
    expiresAt?: number | null;
    renewable?: boolean;
    /** Why the token is not usable: the client's error code; absent before the first login attempt. */
    code?: ErrorCode;
  };
  secrets: Record<string, SecretReadiness>;
}

export interface SecretReadiness {
  path: string;
  valid: boolean;
  kind?: SecretKind;
  /** When the value stops being usable (epoch ms on the client's clock); null when it does not expire. */
  expiresAt?: number | null;
  /** KV v2 version. */
  version?: number;
  /** Why the secret is not available: the client's error code (absent before the first login attempt). */
  code?: ErrorCode;
}

/** The client's readiness as a plain object: what the probe handler and the Nest health indicator report. */
export async function vaultReadiness(
  client: VaultKubernetesClient,
  options: VaultReadinessOptions = {},
): Promise<VaultReadiness> {
  const specs = normalizeSpecs(options.secrets);
  const problem = tokenProblem(client);
  const info = client.closed ? undefined : client.tokenInfo();
  const token: VaultReadiness['token'] = { valid: problem === undefined };
  if (info) {
    token.ttlMs = info.ttlMs ?? null;
    token.expiresAt = info.expiresAt ?? null;
    token.renewable = info.renewable;
  }
  if (problem?.code) token.code = problem.code;

  const secrets: Record<string, SecretReadiness> = {};
  const call = { timeoutMs: options.timeoutMs ?? 2_000, maxRetries: 0 };
  await Promise.all(
    specs.map(async (spec) => {
      // Without a token a fetch would only start a login from the probe; report instead.
      if (problem) {
        secrets[spec.name] = {
          path: spec.path,
          valid: false,
          ...(problem.code ? { code: problem.code } : {}),
        };
        return;
      }
      try {
        const secret = (await loadSecrets(client, [spec], call))[spec.name]!;
        secrets[spec.name] = {
          path: spec.path,
          valid: true,
          kind: secret.kind,
          expiresAt: usableUntil(secret),
          ...(secret.version !== undefined ? { version: secret.version } : {}),
        };
      } catch (failure) {
        const error = failure instanceof SecretUnavailable ? failure.error : failure;
        secrets[spec.name] = { path: spec.path, valid: false, code: codeOf(error) };
      }
    }),
  );
  const ready = token.valid && Object.values(secrets).every((s) => s.valid);
  return { ready, token, secrets };
}

/** A renewed lease moves its end while `Secret.expiresAt` keeps the first one, so a lease wins for leased secrets. */
function usableUntil(secret: Secret<unknown>): number | null {
  const leaseEnd = secret.lease?.expiresAt;
  if (secret.kind === 'leased' && leaseEnd !== undefined) return leaseEnd;
  return secret.expiresAt ?? leaseEnd ?? null;
}
