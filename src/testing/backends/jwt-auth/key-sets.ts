import { createPublicKey } from 'node:crypto';
import { compactVerify, importJWK, type JWK } from 'jose';
import { goQuote } from '../../core/go-format';
import type { Claims } from './claims';
import { decodeJson, httpGet, type Resolver } from './http-get';

/**
 * The key sets hashicorp/cap's jwt package verifies signatures with: static PEM keys
 * (`jwt_validation_pubkeys`), a remote JWKS (`jwks_url`, go-oidc's RemoteKeySet), or the JWKS an
 * OIDC discovery document points at (`oidc_discovery_url`). Errors carry the libraries' wording,
 * which the plugin passes on after "error validating token: error verifying token signature: ".
 */
export interface KeySet {
  /** Verifies the signature and returns the payload's claims, or throws why not. */
  verify(token: string): Promise<Claims>;
}

interface CompactParts {
  header: Record<string, unknown>;
}

/** go-jose v3's compact JWS parsing, with its messages for the shapes a client can get wrong. */
function parseCompact(token: string): CompactParts {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('go-jose/go-jose: compact JWS format must have three parts');
  for (const part of parts) {
    const bad = part.replace(/=+$/, '').search(/[^A-Za-z0-9_-]/);
    if (bad !== -1) throw new Error(`illegal base64 data at input byte ${bad}`);
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
  } catch {
    throw new Error('invalid character looking for beginning of value');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new Error('json: cannot unmarshal into Go value of type jose.rawHeader');
  }
  return { header: header as Record<string, unknown> };
}

/** The payload as a JSON object: the plugin unmarshals it into map[string]interface{}. */
function claimsOf(payload: Uint8Array): Claims {
  const parsed = JSON.parse(new TextDecoder().decode(payload)) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('json: cannot unmarshal non-object into Go value of type map[string]interface {}');
  }
  return parsed as Claims;
}

/** cap's staticKeySet: each configured key in turn, one generic error when none verifies. */
export function staticKeySet(pems: readonly string[]): KeySet {
  const keys = pems.map((pem) => createPublicKey(pem));
  return {
    async verify(token) {
      parseCompact(token);
      for (const key of keys) {
        try {
          return claimsOf((await compactVerify(token, key)).payload);
        } catch {
          // the next key may be the one
        }
      }
      throw new Error('no known key successfully validated the token signature');
    },
  };
}

/**
 * go-oidc's RemoteKeySet: keys are cached; a token whose signature no cached key verifies
 * (a new key ID after a rotation) makes it fetch the set again, as the OpenID spec recommends.
 */
export function remoteKeySet(jwksUrl: string, caPem: string, resolver?: Resolver): KeySet {
  let cached: JWK[] = [];
  const tryKeys = async (token: string, header: Record<string, unknown>, keys: readonly JWK[]) => {
    const kid = typeof header.kid === 'string' ? header.kid : '';
    for (const jwk of keys) {
      if (kid !== '' && jwk.kid !== kid) continue;
      try {
        // A key without `alg` is used with whatever algorithm the token names, as go-jose does.
        const key = await importJWK(jwk, typeof jwk.alg === 'string' ? jwk.alg : String(header.alg));
        return claimsOf((await compactVerify(token, key)).payload);
      } catch {
        // not this key
      }
    }
    return undefined as Claims | undefined;
  };
  return {
    async verify(token) {
      let header: Record<string, unknown>;
      try {
        header = parseCompact(token).header;
      } catch (error) {
        throw new Error(`oidc: malformed jwt: ${(error as Error).message}`);
      }
      const fromCache = await tryKeys(token, header, cached);
      if (fromCache) return fromCache;
      let fresh: JWK[];
      try {
        fresh = await fetchKeys(jwksUrl, caPem, resolver);
      } catch (error) {
        throw new Error(`fetching keys ${(error as Error).message}`);
      }
      cached = fresh;
      const verified = await tryKeys(token, header, fresh);
      if (verified) return verified;
      throw new Error('failed to verify id token signature');
    },
  };
}

/** RemoteKeySet.updateKeys: one GET, 200 only, a JSON Web Key Set. */
export async function fetchKeys(jwksUrl: string, caPem: string, resolver?: Resolver): Promise<JWK[]> {
  let answer: Awaited<ReturnType<typeof httpGet>>;
  try {
    answer = await httpGet(jwksUrl, caPem, resolver);
  } catch (error) {
    throw new Error(`oidc: get keys failed ${(error as Error).message}`);
  }
  if (answer.status !== 200) throw new Error(`oidc: get keys failed: ${answer.statusLine} ${answer.body}`);
  let parsed: unknown;
  try {
    parsed = decodeJson(answer);
    const keys = (parsed as { keys?: unknown }).keys;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('json: cannot unmarshal into Go value of type jose.JSONWebKeySet');
    }
    if (keys !== undefined && keys !== null && !Array.isArray(keys)) {
      throw new Error('json: cannot unmarshal into Go struct field JSONWebKeySet.keys');
    }
    return ((keys as JWK[] | null | undefined) ?? []).filter((key) => key && typeof key === 'object');
  } catch (error) {
    throw new Error(`oidc: failed to decode keys: ${(error as Error).message} ${answer.body}`);
  }
}

/**
 * cap's NewOIDCDiscoveryKeySet: fetch `<issuer>/.well-known/openid-configuration`, insist that
 * it names the same issuer, and verify against the JWKS it points at.
 */
export async function discoveryKeySet(issuer: string, caPem: string, resolver?: Resolver): Promise<KeySet> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const answer = await httpGet(url, caPem, resolver);
  if (answer.status !== 200) throw new Error(`${answer.statusLine}: ${answer.body}`);
  let document: { issuer?: unknown; jwks_uri?: unknown };
  try {
    document = decodeJson(answer) as typeof document;
    if (document === null || typeof document !== 'object') throw new Error('not a JSON object');
  } catch (error) {
    throw new Error(`failed to decode OIDC discovery document: ${(error as Error).message}`);
  }
  const returned = typeof document.issuer === 'string' ? document.issuer : '';
  if (returned !== issuer) {
    throw new Error(
      `issuer did not match the returned issuer, expected ${goQuote(issuer)} got ${goQuote(returned)}`,
    );
  }
  return remoteKeySet(typeof document.jwks_uri === 'string' ? document.jwks_uri : '', caPem, resolver);
}
