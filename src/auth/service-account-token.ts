import { readFile } from 'node:fs/promises';
import type { JWTPayload } from 'jose';
import { ServiceAccountTokenError } from '../errors';
import type { JwtSource, ServiceAccountClaims } from '../types/auth';

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
  const where = source.jwt ? undefined : source.tokenPath;
  // trim() also drops a UTF-8 byte order mark.
  const jwt = raw.trim();
  if (jwt === '') {
    throw new ServiceAccountTokenError(
      'empty',
      `${from} is empty; kubelet may still be writing it, or the projected volume is misconfigured`,
      where,
    );
  }
  let payload: JWTPayload | undefined;
  if (JWS_COMPACT.test(jwt)) {
    try {
      // Loaded at the first login rather than at import, like undici: it keeps the import light.
      const { decodeJwt } = await import('jose');
      payload = decodeJwt(jwt);
    } catch {
      // reported below, with what the text looks like instead
    }
  }
  if (!payload) {
    throw new ServiceAccountTokenError(
      'malformed',
      `${from} does not hold a JWT (three base64url parts separated by dots)${lookalike(jwt)}; point auth.tokenPath at the service-account token, not the CA or namespace file`,
      where,
    );
  }
  // RFC 7519 time claims are numbers; Vault's JWT library refuses anything else with a bare
  // "permission denied", so say which claim is wrong here instead.
  const badTime = (['exp', 'nbf', 'iat'] as const).find(
    (claim) => payload[claim] !== undefined && !Number.isFinite(payload[claim]),
  );
  if (badTime) {
    throw new ServiceAccountTokenError(
      'malformed',
      `${from} holds a JWT whose "${badTime}" claim is not a number of seconds; Vault refuses such a token`,
      where,
    );
  }
  const claims = claimsOf(payload);
  if (claims.expiresAt !== undefined && claims.expiresAt <= now) {
    const ago = Math.round((now - claims.expiresAt) / 1000);
    throw new ServiceAccountTokenError(
      'expired',
      `${from} holds a service-account token that expired at ${isoTime(claims.expiresAt)} (${ago} s ago)` +
        ` for ${claims.namespace ?? '?'}/${claims.serviceAccount ?? '?'}; kubelet refreshes projected tokens before they expire, so the file is not being refreshed (or the JWT passed in is stale)`,
      where,
    );
  }
  // A token not valid yet (nbf ahead of this pod's clock) is left to Vault on purpose: Vault
  // judges it on its own clock with 60 s of leeway, so only Vault knows whether it is early.
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
  const aud: unknown = payload.aud;
  return {
    namespace: asString(nested?.namespace) ?? legacy('namespace'),
    serviceAccount: asString(nested?.serviceaccount?.name) ?? legacy('service-account.name'),
    audience: Array.isArray(aud)
      ? aud.filter((a): a is string => typeof a === 'string')
      : typeof aud === 'string'
        ? [aud]
        : [],
    issuer: asString(payload.iss),
    expiresAt: epochMs(payload.exp),
    notBefore: epochMs(payload.nbf),
  };
}

/** Compact JWS: three base64url parts; no whitespace, padding or other characters (go-jose's rule). */
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** What a file that is not a JWT most likely holds, for the error message. */
function lookalike(text: string): string {
  if (text.includes('\u0000') || text.includes('\uFFFD')) return ': it is not UTF-8 text (a UTF-16 file?)';
  if (text.includes('-----BEGIN')) return ': it holds a PEM block (a certificate or key)';
  if (/\s/.test(text)) return ': it has whitespace inside (a line break or space in the token)';
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && !text.includes('.'))
    return ": it has no dots, as if base64-encoded (a Secret's data field: decode it first)";
  return '';
}

/** A NumericDate (seconds) as epoch ms, when it is one a Date can hold. */
function epochMs(value: unknown): number | undefined {
  if (typeof value !== 'number') return undefined;
  const ms = value * 1000;
  return Number.isFinite(ms) ? ms : undefined;
}

/** ISO time for messages; a claim beyond what a Date can hold is shown as its raw value. */
export function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms / 1000} s after the epoch` : date.toISOString();
}
