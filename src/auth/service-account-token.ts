import { readFile } from 'node:fs/promises';
import { decodeJwt, type JWTPayload } from 'jose';
import { type ServiceAccountClaims, ServiceAccountTokenError } from '../errors';
import type { JwtSource } from '../options';

export interface LoadedJwt {
  jwt: string;
  claims: ServiceAccountClaims;
}

/**
 * The service-account JWT for one login, read anew each time (kubelet rotates projected tokens
 * in place) and decoded, not verified, so that a missing, empty, malformed or expired token is
 * reported as such before Vault is asked.
 */
export async function loadServiceAccountJwt(
  source: { tokenPath: string; jwt: JwtSource | undefined },
  now: number,
): Promise<LoadedJwt> {
  const from = source.jwt === undefined ? `the token file ${source.tokenPath}` : 'auth.jwt';
  let raw: string;
  if (typeof source.jwt === 'string') raw = source.jwt;
  else if (typeof source.jwt === 'function') {
    try {
      raw = await source.jwt();
    } catch (cause) {
      throw new ServiceAccountTokenError(
        'unreadable',
        `the auth.jwt function failed: ${cause instanceof Error ? cause.message : String(cause)}`,
        undefined,
        cause,
      );
    }
    if (typeof raw !== 'string')
      throw new ServiceAccountTokenError(
        'malformed',
        'the auth.jwt function returned something other than a string',
      );
  } else {
    raw = await readTokenFile(source.tokenPath);
  }
  const jwt = raw.trim();
  if (jwt === '') {
    throw new ServiceAccountTokenError(
      'empty',
      `${from} is empty; kubelet may still be writing it, or the projected volume is misconfigured`,
      source.jwt ? undefined : source.tokenPath,
    );
  }
  let payload: JWTPayload;
  try {
    payload = decodeJwt(jwt);
  } catch {
    throw new ServiceAccountTokenError(
      'malformed',
      `${from} does not hold a JWT (three base64url parts separated by dots); point auth.tokenPath at the service-account token, not the CA or namespace file`,
      source.jwt ? undefined : source.tokenPath,
    );
  }
  const claims = claimsOf(payload);
  if (claims.expiresAt !== undefined && claims.expiresAt <= now) {
    const ago = Math.round((now - claims.expiresAt) / 1000);
    throw new ServiceAccountTokenError(
      'expired',
      `${from} holds a service-account token that expired at ${new Date(claims.expiresAt).toISOString()} (${ago} s ago)` +
        ` for ${claims.namespace ?? '?'}/${claims.serviceAccount ?? '?'}; kubelet refreshes projected tokens before they expire, so the file is not being refreshed (or the JWT passed in is stale)`,
      source.jwt ? undefined : source.tokenPath,
    );
  }
  return { jwt, claims };
}

async function readTokenFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ServiceAccountTokenError(
        'missing',
        `the service-account token file ${path} does not exist; in a pod, check that automountServiceAccountToken is not false; elsewhere, set auth.tokenPath or auth.jwt`,
        path,
        cause,
      );
    }
    throw new ServiceAccountTokenError(
      'unreadable',
      `the service-account token file ${path} could not be read (${code ?? 'error'}); check its permissions`,
      path,
      cause,
    );
  }
}

/** Who the JWT says the pod is: the projected token's nested claims, or the legacy flat ones. */
export function claimsOf(payload: JWTPayload): ServiceAccountClaims {
  const nested = payload['kubernetes.io'] as
    | { namespace?: unknown; serviceaccount?: { name?: unknown } }
    | undefined;
  const legacy = (key: string) => {
    const value = payload[`kubernetes.io/serviceaccount/${key}`];
    return typeof value === 'string' ? value : undefined;
  };
  const asString = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const aud = payload.aud;
  return {
    namespace: asString(nested?.namespace) ?? legacy('namespace'),
    serviceAccount: asString(nested?.serviceaccount?.name) ?? legacy('service-account.name'),
    audience: Array.isArray(aud) ? aud : typeof aud === 'string' ? [aud] : [],
    issuer: payload.iss,
    expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
  };
}
