import { createPublicKey } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { VaultError } from '../../core/vault-error';

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];
/** cap's jwt package: clock skew allowed on nbf, exp and iat, and the default for a missing exp or nbf. */
const CLOCK_SKEW_MS = 60_000;
const DEFAULT_LEEWAY_S = 150;

export interface JwtExpectations {
  /** PEM keys from the config; empty means the signature is left to the TokenReview. */
  pemKeys: readonly string[];
  /** Expected `iss`, or empty when the plugin does not check it. */
  issuer: string;
  audience: string;
}

/**
 * cap's Validator.ValidateAllowMissingIatNbfExp as the plugin calls it: signature (or a bare
 * parse without pem_keys), then iss, aud and the time claims. Any signature or parse failure is
 * `permission denied`; the other failures keep cap's message with status 403.
 */
export async function validateJwt(jwt: string, expect: JwtExpectations, nowMs: number): Promise<JWTPayload> {
  let claims: JWTPayload;
  try {
    const header = decodeProtectedHeader(jwt);
    if (!ALGORITHMS.includes(String(header.alg))) throw new Error('unsupported algorithm');
    claims = decodeJwt(jwt);
    if (expect.pemKeys.length > 0 && !(await verifiesWithAny(jwt, expect.pemKeys)))
      throw new Error('bad signature');
  } catch {
    throw new VaultError(403, 'permission denied');
  }
  if (expect.issuer && claims.iss !== expect.issuer) throw new VaultError(403, 'invalid issuer (iss) claim');
  if (expect.audience) {
    const aud = Array.isArray(claims.aud) ? claims.aud : typeof claims.aud === 'string' ? [claims.aud] : [];
    if (!aud.includes(expect.audience)) {
      throw new VaultError(
        403,
        'invalid audience (aud) claim: audience claim does not match any expected audience',
      );
    }
  }
  checkTimes(claims, nowMs);
  return claims;
}

function checkTimes(claims: JWTPayload, nowMs: number): void {
  const seconds = (value: unknown) => (typeof value === 'number' ? Math.trunc(value) : 0);
  const iat = seconds(claims.iat);
  let exp = seconds(claims.exp);
  let nbf = seconds(claims.nbf);
  if (iat === 0 && exp === 0 && nbf === 0) return;
  // cap fills a missing exp from the latest start plus 150 s, and a missing nbf from iat or exp.
  if (exp === 0) exp = Math.max(iat, nbf) + DEFAULT_LEEWAY_S;
  if (nbf === 0) nbf = iat !== 0 ? iat : exp - DEFAULT_LEEWAY_S;
  if (nowMs + CLOCK_SKEW_MS < nbf * 1000) {
    throw new VaultError(403, 'invalid not before (nbf) claim: token not yet valid');
  }
  if (nowMs - CLOCK_SKEW_MS > exp * 1000) {
    throw new VaultError(403, 'invalid expiration time (exp) claim: token is expired');
  }
  if (nowMs + CLOCK_SKEW_MS < iat * 1000) {
    throw new VaultError(403, 'invalid issued at (iat) claim: token issued in the future');
  }
}

async function verifiesWithAny(jwt: string, pems: readonly string[]): Promise<boolean> {
  for (const pem of pems) {
    try {
      await compactVerify(jwt, createPublicKey(pem), { algorithms: ALGORITHMS });
      return true;
    } catch {
      // try the next key
    }
  }
  return false;
}

export interface ServiceAccountClaims {
  namespace: string;
  name: string;
  /** Empty when the token carries none; the plugin fails on that only after the bindings. */
  uid: string;
  secretName: string;
}

/** The plugin's serviceAccount: nested projected-token claims win over the legacy flat ones. */
export function serviceAccountOf(claims: JWTPayload): ServiceAccountClaims {
  const nested = claims['kubernetes.io'] as
    | { namespace?: unknown; serviceaccount?: { name?: unknown; uid?: unknown } }
    | undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const legacy = (key: string) => text(claims[`kubernetes.io/serviceaccount/${key}`]);
  const account = nested && typeof nested === 'object' ? nested.serviceaccount : undefined;
  return {
    namespace: nested && typeof nested === 'object' ? text(nested.namespace) : legacy('namespace'),
    name: account ? text(account.name) : legacy('service-account.name'),
    uid: account ? text(account.uid) : legacy('service-account.uid'),
    secretName: legacy('secret.name'),
  };
}

/** pem_keys entries: PEM public keys or certificates with an RSA or ECDSA key. */
export function isPublicKey(pem: string): boolean {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'ec';
  } catch {
    return false;
  }
}

/** The plugin only asks that the CA bundle decode as PEM; it does not parse the certificates. */
export function containsPemBlock(text: string): boolean {
  const blocks = text.match(/-----BEGIN [^-\r\n]+-----\r?\n[\s\S]*?-----END [^-\r\n]+-----/g) ?? [];
  return blocks.some((block) => {
    const body = block.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, '');
    return /^[A-Za-z0-9+/]*={0,2}$/.test(body) && body.length % 4 === 0;
  });
}
