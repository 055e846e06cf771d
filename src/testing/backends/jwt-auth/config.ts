import { createPublicKey, X509Certificate } from 'node:crypto';
import { goQuote } from '../../core/go-format';
import { badRequest } from '../../core/vault-error';
import { bool, list, str } from '../fields';
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

/** `jwks_pairs` (several JWKS URLs at once) is not implemented by the mock. */
export const CONFIG_FIELDS = [
  'oidc_discovery_url',
  'oidc_discovery_ca_pem',
  'oidc_client_id',
  'oidc_client_secret',
  'oidc_response_mode',
  'oidc_response_types',
  'jwks_url',
  'jwks_ca_pem',
  'default_role',
  'jwt_validation_pubkeys',
  'jwt_supported_algs',
  'bound_issuer',
  'provider_config',
  'namespace_in_state',
  'unsupported_critical_cert_extensions',
];

/**
 * pathConfigWrite: the whole config is replaced by what the request holds. The checks run in the
 * plugin's order, and the ones that reach out (discovery document, JWKS) really fetch, so a
 * config pointing at a dead URL is refused at write time, as Vault refuses it.
 */
export async function writeJwtConfig(
  data: Record<string, unknown>,
  previous: JwtConfig | undefined,
  resolver?: Resolver,
): Promise<JwtConfig> {
  const config: JwtConfig = {
    oidc_discovery_url: str(data, 'oidc_discovery_url'),
    oidc_discovery_ca_pem: str(data, 'oidc_discovery_ca_pem'),
    oidc_client_id: str(data, 'oidc_client_id'),
    oidc_client_secret: str(data, 'oidc_client_secret'),
    oidc_response_mode: str(data, 'oidc_response_mode'),
    oidc_response_types: list(data, 'oidc_response_types') ?? [],
    jwks_url: str(data, 'jwks_url'),
    jwks_ca_pem: str(data, 'jwks_ca_pem'),
    default_role: str(data, 'default_role').toLowerCase(),
    jwt_validation_pubkeys: list(data, 'jwt_validation_pubkeys') ?? [],
    jwt_supported_algs: list(data, 'jwt_supported_algs') ?? [],
    bound_issuer: str(data, 'bound_issuer'),
    provider_config: objectField(data, 'provider_config'),
    namespace_in_state:
      data.namespace_in_state !== undefined && data.namespace_in_state !== null
        ? bool(data, 'namespace_in_state', true)
        : (previous?.namespace_in_state ?? true),
    unsupported_critical_cert_extensions: list(data, 'unsupported_critical_cert_extensions') ?? [],
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

function objectField(data: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = data[key];
  if (value === undefined || value === null) return {};
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw badRequest(`error converting input ${JSON.stringify(value)} for field "${key}": expected a map`);
}

/** pathConfigRead: everything but the client secret. */
export function jwtConfigView(config: JwtConfig): Record<string, unknown> {
  const { oidc_client_secret: _secret, ...visible } = config;
  return { ...visible, jwks_pairs: [] };
}
