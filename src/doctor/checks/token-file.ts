import { decodeJwt, type JWTPayload } from 'jose';
import { CredentialFileError } from '../../auth/credential-file';
import { loadServiceAccountJwt } from '../../auth/service-account-token';
import { ServiceAccountTokenError } from '../../errors';
import { DEFAULT_TOKEN_PATH } from '../../options';
import { type CheckResult, fail, pass } from '../check';
import { duration } from '../format';

export interface TokenFileFacts {
  jwt: string;
  namespace: string | undefined;
  serviceAccount: string | undefined;
  audience: string[];
  issuer: string | undefined;
}

/**
 * The service-account token file: there, a JWT, in date, and whose it is. Read with the client's
 * own loader so the failures read as they will at login; decoded, never verified (only the
 * cluster can verify it).
 */
export async function checkTokenFile(
  tokenPath: string,
  now: number,
): Promise<{ result: CheckResult; facts?: TokenFileFacts }> {
  try {
    const { jwt, claims } = await loadServiceAccountJwt({ tokenPath, jwt: undefined }, now);
    const payload = decodeJwt(jwt);
    return {
      result: describeToken(tokenPath, payload, now),
      facts: {
        jwt,
        namespace: claims.namespace,
        serviceAccount: claims.serviceAccount,
        audience: claims.audience,
        issuer: claims.issuer,
      },
    };
  } catch (error) {
    if (!(error instanceof ServiceAccountTokenError)) throw error;
    const notAFile = error.cause instanceof CredentialFileError && error.cause.problem.kind === 'not-a-file';
    return {
      result: fail(
        'token-file',
        error.message,
        notAFile
          ? `point --token-path at the token file itself (in a pod: ${DEFAULT_TOKEN_PATH}), not at a directory, pipe or device`
          : tokenFileFix(error.problem, tokenPath),
      ),
    };
  }
}

export type TokenKind = 'projected' | 'legacy' | 'other';

/** Projected tokens nest their claims under `kubernetes.io` and expire; legacy Secret tokens do neither. */
export function tokenKind(payload: JWTPayload): TokenKind {
  if (typeof payload['kubernetes.io'] === 'object' && payload['kubernetes.io'] !== null) return 'projected';
  if (typeof payload['kubernetes.io/serviceaccount/namespace'] === 'string') return 'legacy';
  return 'other';
}

/** What the token says, as one line; a token that names no service account fails here. */
export function describeToken(tokenPath: string, payload: JWTPayload, now: number): CheckResult {
  const kind = tokenKind(payload);
  const nested = payload['kubernetes.io'] as
    | { namespace?: unknown; serviceaccount?: { name?: unknown } }
    | undefined;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const namespace = text(nested?.namespace) ?? text(payload['kubernetes.io/serviceaccount/namespace']);
  const account =
    text(nested?.serviceaccount?.name) ?? text(payload['kubernetes.io/serviceaccount/service-account.name']);
  const audience = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [];
  if (kind === 'other' || !namespace || !account) {
    return fail(
      'token-file',
      `${tokenPath} holds a JWT that names no Kubernetes service account (issuer ${payload.iss ?? 'none'}): it is not a service-account token`,
      `point --token-path (auth.tokenPath) at the service-account token: ${DEFAULT_TOKEN_PATH}, or a projected serviceAccountToken volume`,
    );
  }
  const expiry =
    typeof payload.exp === 'number' ? `expires in ${duration(payload.exp * 1000 - now)}` : 'never expires';
  const kindText =
    kind === 'projected'
      ? 'projected token'
      : 'legacy Secret-based token (no expiry, and deprecated: prefer a projected serviceAccountToken volume)';
  return pass(
    'token-file',
    `${tokenPath}: ${kindText} for service account ${namespace}/${account}, audience ${JSON.stringify(audience)}, issuer ${payload.iss ?? 'none'}, ${expiry}`,
  );
}

function tokenFileFix(problem: ServiceAccountTokenError['problem'], tokenPath: string): string {
  switch (problem) {
    case 'missing':
      return `in a pod, mount the service-account token (automountServiceAccountToken must not be false, or add a projected serviceAccountToken volume); elsewhere, pass --token-path with a token file (not ${tokenPath})`;
    case 'empty':
      return 'wait for kubelet to write the token, or check the projected volume definition';
    case 'expired':
      return 'kubelet refreshes projected tokens before they expire: a stale copy is being read; read the mounted file itself, not a copy made at start-up';
    case 'malformed':
      return 'point --token-path at the service-account token, not the CA (ca.crt) or namespace file';
    default:
      return `check that this process may read ${tokenPath} (its owner and mode, and the pod's securityContext fsGroup)`;
  }
}
