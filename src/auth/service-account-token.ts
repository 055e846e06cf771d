import { ServiceAccountTokenError } from '../errors';
import { trackIo } from '../internal/tracking-clock';
import type { CredentialSource, ServiceAccountClaims } from '../types/auth';
import type { Clock } from '../types/clock';
import {
  CredentialFileError,
  callSource,
  describeFileProblem,
  readCredentialFile,
  SourceTimeoutError,
  settleWithin,
} from './credential-file';

export interface LoadedJwt {
  jwt: string;
  claims: ServiceAccountClaims;
  /** The decoded payload, for naming what a claim holds when Vault refuses it. Never the JWT. */
  payload: Record<string, unknown>;
}

/** A JWT's payload, as JSON. Decoded, not verified: Vault verifies; this is for diagnosis. */
export type JWTPayload = Record<string, unknown> & {
  iss?: unknown;
  sub?: unknown;
  aud?: unknown;
  exp?: unknown;
  nbf?: unknown;
  iat?: unknown;
};

/** How long a login may wait for its JWT, on which clock. */
export interface SourceBounds {
  clock: Clock;
  timeoutMs: number;
}

/**
 * The service-account JWT for one login, read anew each time (kubelet rotates projected tokens
 * in place) and decoded, not verified, so that a missing, empty, malformed or expired token is
 * reported as such before Vault is asked.
 */
export async function loadServiceAccountJwt(
  source: { tokenPath: string; jwt: CredentialSource | undefined },
  now: number,
  bounds?: SourceBounds,
): Promise<LoadedJwt> {
  const from = source.jwt === undefined ? `the token file ${source.tokenPath}` : 'auth.jwt';
  let raw: unknown;
  if (typeof source.jwt === 'string') raw = source.jwt;
  else if (typeof source.jwt === 'function') {
    try {
      const pending = callSource(source.jwt);
      raw = await (bounds ? settleWithin(pending, bounds.timeoutMs, bounds.clock) : pending);
    } catch (cause) {
      if (cause instanceof SourceTimeoutError) {
        throw new ServiceAccountTokenError(
          'unreadable',
          `the auth.jwt function did not return a JWT within ${cause.ms} ms (timeouts.requestMs); the login was given up`,
          undefined,
          cause,
        );
      }
      // The function's own message may hold anything (the JWT it failed to parse): only its kind.
      throw new ServiceAccountTokenError(
        'unreadable',
        `the auth.jwt function failed (${cause instanceof Error ? cause.name : typeof cause}); see the error's cause`,
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
    raw = await readTokenFile(source.tokenPath, bounds);
  }
  const where = source.jwt ? undefined : source.tokenPath;
  // trim() also drops a UTF-8 byte order mark.
  const jwt = (raw as string).trim();
  if (jwt === '') {
    throw new ServiceAccountTokenError(
      'empty',
      `${from} is empty; kubelet may still be writing it, or the projected volume is misconfigured`,
      where,
    );
  }
  const payload = decodeJwtPayload(jwt);
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
  return { jwt, claims, payload };
}

async function readTokenFile(path: string, bounds: SourceBounds | undefined): Promise<string> {
  try {
    const reading = readCredentialFile(path);
    return await (bounds
      ? settleWithin(trackIo(bounds.clock, reading), bounds.timeoutMs, bounds.clock)
      : reading);
  } catch (cause) {
    if (cause instanceof SourceTimeoutError) {
      throw new ServiceAccountTokenError(
        'unreadable',
        `the token file ${path} could not be read within ${cause.ms} ms (timeouts.requestMs); check the volume it is on`,
        path,
        cause,
      );
    }
    const problem =
      cause instanceof CredentialFileError ? cause.problem : { kind: 'unreadable' as const, code: 'error' };
    if (problem.kind === 'missing') {
      throw new ServiceAccountTokenError(
        'missing',
        `the service-account token file ${path} does not exist; in a pod, check that automountServiceAccountToken is not false; elsewhere, set auth.tokenPath or auth.jwt`,
        path,
        cause,
      );
    }
    throw new ServiceAccountTokenError(
      problem.kind === 'too-large' ? 'malformed' : 'unreadable',
      `the service-account token file ${path} ${describeFileProblem(problem)}`,
      path,
      cause,
    );
  }
}

/**
 * A compact JWS's payload as an object, or undefined when the text is not one. base64url and JSON
 * only: jose stays out of the client's path (it is most of a cold start's import time).
 */
export function decodeJwtPayload(jwt: string): JWTPayload | undefined {
  if (!JWS_COMPACT.test(jwt)) return undefined;
  const part = jwt.slice(jwt.indexOf('.') + 1, jwt.lastIndexOf('.'));
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as JWTPayload)
      : undefined;
  } catch {
    return undefined;
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
    subject: asString(payload.sub),
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
