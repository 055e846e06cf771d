import type { Claims } from './claims';
import type { KeySet } from './key-sets';

/** cap's jwt.Alg values: the asymmetric JOSE algorithms, the only ones the plugin accepts. */
export const SUPPORTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
] as const;

export interface Expected {
  issuer: string;
  subject: string;
  audiences: readonly string[];
  algorithms: readonly string[];
  /** Seconds; 0 means cap's default (150 s), a negative value none. */
  notBeforeLeeway: number;
  expirationLeeway: number;
  /** Seconds; 0 means cap's default (60 s), a negative value none. */
  clockSkewLeeway: number;
}

const DEFAULT_LEEWAY_S = 150;
const DEFAULT_CLOCK_SKEW_S = 60;

/**
 * cap's Validator.Validate (v0.13, as the plugin pins it), in its order, because the order picks
 * the error a client sees: the signature against each key set, the header's algorithm, the
 * registered claims' types, iss, sub, aud, then the times with their leeways. Unlike the
 * Kubernetes auth method, a JWT without any of iat, nbf and exp is refused.
 */
export async function validateToken(
  token: string,
  keySets: readonly KeySet[],
  expected: Expected,
  nowMs: number,
): Promise<Claims> {
  let claims: Claims | undefined;
  let lastError: unknown;
  for (const keySet of keySets) {
    try {
      claims = await keySet.verify(token);
      break;
    } catch (error) {
      lastError = error;
    }
  }
  if (!claims) throw new Error(`error verifying token signature: ${(lastError as Error).message}`);

  const alg = headerAlgorithm(token);
  const algorithms = expected.algorithms.length > 0 ? expected.algorithms : ['RS256'];
  if (!algorithms.includes(alg)) {
    throw new Error('invalid algorithm (alg) header parameter: token signed with unexpected algorithm');
  }

  const registered = registeredClaims(claims);
  if (expected.issuer !== '' && expected.issuer !== registered.iss)
    throw new Error('invalid issuer (iss) claim');
  if (expected.subject !== '' && expected.subject !== registered.sub) {
    throw new Error('invalid subject (sub) claim');
  }
  if (expected.audiences.length > 0 && !expected.audiences.some((aud) => registered.aud.includes(aud))) {
    throw new Error('invalid audience (aud) claim: audience claim does not match any expected audience');
  }

  let { iat, nbf, exp } = registered;
  if (iat === 0 && exp === 0 && nbf === 0) {
    throw new Error('no issued at (iat), not before (nbf), or expiration time (exp) claims in token');
  }
  if (exp === 0) exp = Math.max(iat, nbf) + leeway(expected.expirationLeeway, DEFAULT_LEEWAY_S);
  if (nbf === 0) nbf = iat !== 0 ? iat : exp - leeway(expected.notBeforeLeeway, DEFAULT_LEEWAY_S);
  const skewMs = leeway(expected.clockSkewLeeway, DEFAULT_CLOCK_SKEW_S) * 1000;
  if (nowMs + skewMs < nbf * 1000) throw new Error('invalid not before (nbf) claim: token not yet valid');
  if (nowMs - skewMs > exp * 1000) throw new Error('invalid expiration time (exp) claim: token is expired');
  if (nowMs + skewMs < iat * 1000)
    throw new Error('invalid issued at (iat) claim: token issued in the future');
  return claims;
}

function leeway(configured: number, fallback: number): number {
  if (configured < 0) return 0;
  return configured === 0 ? fallback : configured;
}

function headerAlgorithm(token: string): string {
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as {
    alg?: unknown;
  };
  return typeof header.alg === 'string' ? header.alg : '';
}

interface Registered {
  iss: string;
  sub: string;
  aud: string[];
  iat: number;
  nbf: number;
  exp: number;
}

/**
 * The claims decoded into go-jose's jwt.Claims struct: the wrong JSON type for a registered
 * claim fails the whole validation with encoding/json's (or go-jose's) message.
 */
function registeredClaims(claims: Claims): Registered {
  const text = (name: 'iss' | 'sub' | 'jti'): string => {
    const value = claims[name];
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    throw new Error(
      `json: cannot unmarshal ${jsonType(value)} into Go struct field Claims.${name} of type string`,
    );
  };
  const date = (name: 'iat' | 'nbf' | 'exp'): number => {
    const value = claims[name];
    if (value === undefined || value === null) return 0;
    if (typeof value === 'number') return Math.trunc(value);
    throw new Error('go-jose/go-jose/jwt: expected number value to unmarshal NumericDate');
  };
  const audience = (): string[] => {
    const value = claims.aud;
    if (value === undefined || value === null) return [];
    if (typeof value === 'string') return [value];
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
    throw new Error('go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience');
  };
  text('jti');
  return {
    iss: text('iss'),
    sub: text('sub'),
    aud: audience(),
    iat: date('iat'),
    nbf: date('nbf'),
    exp: date('exp'),
  };
}

function jsonType(value: unknown): string {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  return 'object';
}
