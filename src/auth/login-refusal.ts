import { VaultLoginError, type VaultResponseError } from '../errors';
import { clip } from '../http/vault-errors';
import type { Redactor } from '../internal/redact';
import type { AuthMethod, ServiceAccountClaims } from '../types/auth';
import { isoTime } from './service-account-token';

/**
 * What the login modules share: which answers are refusals (as opposed to Vault being down), and
 * the sentence that says who the JWT claims to be.
 */

/** A login answer that means "not you" rather than "not now": never retried, always diagnosed. */
export function isRefusal(error: VaultResponseError): boolean {
  if (error.status === 400 || error.status === 403 || error.status === 404) return true;
  return (
    error.status === 500 &&
    error.reasons.some(
      (r) => r.includes('could not load backend configuration') || r.includes('could not load configuration'),
    )
  );
}

/** Vault's reason, through the redactor (Vault quotes a wrong secret id back) and cut to one line. */
export function reasonOf(error: VaultResponseError, redactor: Redactor): string {
  return redactor.text(clip(error.reasons.join('; '))) || `status ${error.status}`;
}

/** "The JWT is for service account "sa" in namespace "ns" (audience [...], issuer ..., expires ...)". */
export function describeClaims(c: ServiceAccountClaims): string {
  const expires = c.expiresAt === undefined ? 'no expiry' : `expires ${isoTime(c.expiresAt)}`;
  // Shown so a "not yet valid" refusal can be compared with this pod's clock and Vault's.
  const from = c.notBefore === undefined ? '' : `, valid from ${isoTime(c.notBefore)}`;
  const who =
    c.serviceAccount !== undefined || c.namespace !== undefined
      ? `service account "${c.serviceAccount ?? '?'}" in namespace "${c.namespace ?? '?'}"`
      : `subject "${c.subject ?? '?'}"`;
  return `The JWT is for ${who} (audience ${JSON.stringify(c.audience)}, issuer ${c.issuer ?? '?'}${from}, ${expires})`;
}

/**
 * A claim's value for a message: strings, numbers, booleans and short lists of them, clipped.
 * Claims are who the bearer is, not the credential (the signature is), so they may be shown.
 */
export function showClaim(payload: Record<string, unknown>, name: string): string {
  const value = name.split('/').reduce<unknown>(
    // bound_claims address nested claims as JSON pointers: /kubernetes.io/namespace
    (v, key) =>
      key === '' ? v : typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined,
    payload,
  );
  if (value === undefined) return 'is missing from the JWT';
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (scalar(value) || (Array.isArray(value) && value.length <= 20 && value.every(scalar))) {
    return `is ${clip(JSON.stringify(value), 200)} in the JWT`;
  }
  return 'is an object in the JWT';
}

export function loginError(
  message: string,
  details: {
    method: AuthMethod;
    role: string;
    mount: string;
    status: number;
    reason: string;
    claims?: ServiceAccountClaims | undefined;
  },
  cause: unknown,
): VaultLoginError {
  const { claims, ...rest } = details;
  return new VaultLoginError(message, { ...rest, ...(claims ? { claims } : {}) }, cause);
}
