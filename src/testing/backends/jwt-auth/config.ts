import { createPublicKey, X509Certificate } from 'node:crypto';
import { field } from '../../core/fields';
import { goQuote } from '../../core/go-format';
import type { RouteInput } from '../../core/routes';
import { badRequest } from '../../core/vault-error';
import { parseCaPem, type Resolver } from './http-get';
import { discoveryKeySet, fetchKeys } from './key-sets';
import { SUPPORTED_ALGORITHMS } from './validator';

/** The method's configuration (path_config.go); what it verifies JWTs against. */
export interface JwtConfig {
  oidc_discovery_url: string;
  oidc_discovery_ca_pem: string;
  oidc_client_id: string;
  oidc_client_secret: string;
  oidc_response_mode: string;
  oidc_response_types: string[];
  jwks_url: string;
  jwks_ca_pem: string;
  default_role: string;
  jwt_validation_pubkeys: string[];
  jwt_supported_algs: string[];
  bound_issuer: string;
  provider_config: Record<string, unknown>;
  namespace_in_state: boolean;
  unsupported_critical_cert_extensions: string[];
}

/** path_config.go's fields; `jwks_pairs` (several JWKS URLs at once) is not implemented by the mock. */
export const CONFIG_FIELDS = {
  oidc_discovery_url: field('string', 'OIDC Discovery URL, without any .well-known component (base path).'),
  oidc_discovery_ca_pem: field(
    'string',
    'The CA certificate or chain of certificates to validate the OIDC Discovery URL.',
  ),
  oidc_client_id: field('string', 'The OAuth Client ID configured with your OIDC provider.'),
  oidc_client_secret: field('string', 'The OAuth Client Secret configured with your OIDC provider.'),
  oidc_response_mode: field(
    'string',
    "The response mode to be used in the OAuth2 request: 'query' or 'form_post'.",
  ),
  oidc_response_types: field('commaStringSlice', "The response types to request: 'code' and 'id_token'."),
  jwks_url: field('string', 'JWKS URL to use to authenticate signatures.'),
  jwks_ca_pem: field('string', 'The CA certificate or chain of certificates to validate the JWKS URL.'),
  default_role: field('lowercaseString', 'The default role to use if none is provided during login.'),
  jwt_validation_pubkeys: field(
    'commaStringSlice',
    'A list of PEM-encoded public keys to authenticate signatures locally.',
  ),
  jwt_supported_algs: field('commaStringSlice', 'A list of supported signing algorithms. Defaults to RS256.'),
  bound_issuer: field('string', "The value against which to match the 'iss' claim in a JWT. Optional."),
  provider_config: field('map', 'Provider-specific configuration. Optional.'),
  namespace_in_state: field(
    'bool',
    'Pass namespace in the OIDC state parameter instead of as a query parameter.',
  ),
  unsupported_critical_cert_extensions: field(
    'commaStringSlice',
    'ASN1 OIDs of critical certificate extensions to ignore.',
  ),
} as const;

/**
 * pathConfigWrite: the whole config is replaced by what the request holds. The checks run in the
 * plugin's order, and the ones that reach out (discovery document, JWKS) really fetch, so a
 * config pointing at a dead URL is refused at write time, as Vault refuses it.
 */
export async function writeJwtConfig(
  { fields, has }: RouteInput<typeof CONFIG_FIELDS>,
  previous: JwtConfig | undefined,
  resolver?: Resolver,
): Promise<JwtConfig> {
  const config: JwtConfig = {
    oidc_discovery_url: fields.oidc_discovery_url,
    oidc_discovery_ca_pem: fields.oidc_discovery_ca_pem,
    oidc_client_id: fields.oidc_client_id,
    oidc_client_secret: fields.oidc_client_secret,
    oidc_response_mode: fields.oidc_response_mode,
    oidc_response_types: fields.oidc_response_types,
    jwks_url: fields.jwks_url,
    jwks_ca_pem: fields.jwks_ca_pem,
    default_role: fields.default_role,
    jwt_validation_pubkeys: fields.jwt_validation_pubkeys,
    jwt_supported_algs: fields.jwt_supported_algs,
    bound_issuer: fields.bound_issuer,
    provider_config: fields.provider_config ?? {},
    namespace_in_state: has('namespace_in_state')
      ? fields.namespace_in_state
      : (previous?.namespace_in_state ?? true),
    unsupported_critical_cert_extensions: fields.unsupported_critical_cert_extensions,
  };

  const methods = [
    config.oidc_discovery_url !== '',
    config.jwt_validation_pubkeys.length > 0,
    config.jwks_url !== '',
  ].filter(Boolean).length;
  const hasId = config.oidc_client_id !== '';
  const hasSecret = config.oidc_client_secret !== '';
  if (methods !== 1) {
    throw badRequest(
      "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set",
    );
  }
  if (hasId !== hasSecret)
    throw badRequest("both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC");
  if (config.oidc_discovery_url !== '') {
    try {
      await discoveryKeySet(config.oidc_discovery_url, config.oidc_discovery_ca_pem, resolver);
    } catch {
      // The plugin logs the reason and answers without it.
      throw badRequest('error checking oidc discovery URL');
    }
  } else if (hasId) {
    throw badRequest("'oidc_discovery_url' must be set for OIDC");
  } else if (config.jwks_url !== '') {
    await checkJwksUrl(config.jwks_url, config.jwks_ca_pem, resolver);
  } else {
    for (const pem of config.jwt_validation_pubkeys) {
      const reason = publicKeyProblem(pem);
      if (reason) throw badRequest(`error parsing public key: ${reason}`);
    }
  }

  const badAlg = config.jwt_supported_algs.find(
    (alg) => !(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg),
  );
  if (badAlg !== undefined) {
    throw badRequest(`invalid jwt_supported_algs: unsupported signing algorithm ${goQuote(badAlg)}`);
  }
  const badType = config.oidc_response_types.some((type) => type !== 'code' && type !== 'id_token');
  if (badType) {
    throw badRequest(
      `invalid response_types [${config.oidc_response_types.join(' ')}]. 'code' and 'id_token' are allowed`,
    );
  }
  const mode = config.oidc_response_mode;
  if (mode === '' || mode === 'query') {
    if (config.oidc_response_types.includes('id_token')) {
      throw badRequest('query response_mode may not be used with an id_token response_type');
    }
  } else if (mode !== 'form_post') {
    throw badRequest(`invalid response_mode: ${goQuote(mode)}`);
  }
  return config;
}

/**
 * validateJWKSURL: the CA must parse, and the JWKS must be fetched and decoded. The plugin
 * proves it by verifying a fixed RS256 token that no key can verify; any failure other than
 * "failed to verify id token signature" means the URL is unusable.
 */
async function checkJwksUrl(url: string, caPem: string, resolver?: Resolver): Promise<void> {
  if (caPem !== '' && !parseCaPem(caPem)) throw badRequest('error checking jwks_ca_pem');
  try {
    await fetchKeys(url, caPem, resolver);
  } catch {
    throw badRequest(`error checking jwks URL ${url}`);
  }
}

/**
 * certutil.ParsePublicKeyPEM: the first PEM block, as a PKIX public key or a certificate, holding
 * an RSA or ECDSA key. Go's x509 errors surface for blocks that are neither.
 */
export function publicKeyProblem(pem: string): string | undefined {
  const block = pem.match(/-----BEGIN ([^-\r\n]+)-----\r?\n[\s\S]*?-----END \1-----/);
  if (!block) return 'data does not contain any valid RSA or ECDSA public keys';
  let type: string | undefined;
  try {
    type = createPublicKey(block[0]).asymmetricKeyType;
  } catch {
    try {
      type = new X509Certificate(block[0]).publicKey.asymmetricKeyType;
    } catch {
      return 'x509: malformed certificate';
    }
  }
  return type === 'rsa' || type === 'ec'
    ? undefined
    : 'data does not contain any valid RSA or ECDSA public keys';
}

/** pathConfigRead: everything but the client secret. */
export function jwtConfigView(config: JwtConfig): Record<string, unknown> {
  const { oidc_client_secret: _secret, ...visible } = config;
  return { ...visible, jwks_pairs: [] };
}
