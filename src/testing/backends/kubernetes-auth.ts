import { createPublicKey, randomUUID, X509Certificate } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { decodeJwt, decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import type { KubernetesCluster } from '../cluster/kubernetes-cluster';
import type { Backend } from '../core/backend';
import { SYSTEM_MAX_TTL } from '../core/durations';
import type { BackendRequest, MountInfo } from '../core/types';
import type { VaultCore } from '../core/vault-core';
import { badRequest, VaultError } from '../core/vault-error';
import { bool, str } from './fields';
import { globListContains } from './glob';
import { type KubernetesRole, roleView, writeRole } from './kubernetes-role';

interface KubernetesConfig {
  kubernetes_host: string;
  kubernetes_ca_cert: string;
  token_reviewer_jwt: string;
  pem_keys: string[];
  issuer: string;
  disable_iss_validation: boolean;
  disable_local_ca_jwt: boolean;
  use_annotations_as_alias_metadata: boolean;
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];
/** cap's jwt validator allows this much clock skew on exp, nbf and iat. */
const LEEWAY_SECONDS = 60;

/**
 * The Kubernetes auth method: config, roles and login, with login checks in the order the
 * vault-plugin-auth-kubernetes plugin runs them, since the order decides which error a user sees.
 */
export function kubernetesBackend(_core: VaultCore, mount: MountInfo, cluster: KubernetesCluster): Backend {
  let config: KubernetesConfig | undefined;
  const roles = new Map<string, KubernetesRole>();

  const writeConfig = (req: BackendRequest) => {
    const data = req.data;
    const host = str(data, 'kubernetes_host', config?.kubernetes_host ?? '');
    if (host === '') throw badRequest('no host provided');
    const ca = str(data, 'kubernetes_ca_cert', config?.kubernetes_ca_cert ?? '');
    if (ca !== '' && !containsCertificate(ca))
      throw badRequest('The provided CA PEM data contains no valid certificates');
    const pemKeys = Array.isArray(data.pem_keys) ? data.pem_keys.map(String) : (config?.pem_keys ?? []);
    for (const pem of pemKeys) {
      if (!isPublicKey(pem)) throw badRequest('data does not contain any valid RSA or ECDSA public keys');
    }
    config = {
      kubernetes_host: host,
      kubernetes_ca_cert: ca,
      token_reviewer_jwt: str(data, 'token_reviewer_jwt', config?.token_reviewer_jwt ?? ''),
      pem_keys: pemKeys,
      issuer: str(data, 'issuer', config?.issuer ?? ''),
      disable_iss_validation: bool(data, 'disable_iss_validation', config?.disable_iss_validation ?? true),
      disable_local_ca_jwt: bool(data, 'disable_local_ca_jwt', config?.disable_local_ca_jwt ?? false),
      use_annotations_as_alias_metadata: bool(data, 'use_annotations_as_alias_metadata', false),
    };
    return null;
  };

  const readConfig = () => {
    if (!config) return null;
    const { token_reviewer_jwt, ...visible } = config;
    return { data: { ...visible, token_reviewer_jwt_set: token_reviewer_jwt !== '' } };
  };

  const login = async (req: BackendRequest) => {
    const roleName = str(req.data, 'role');
    if (roleName === '') throw badRequest('missing role');
    const jwt = str(req.data, 'jwt');
    if (jwt === '') throw badRequest('missing jwt');
    const role = roles.get(roleName.toLowerCase());
    if (!role) throw badRequest(`invalid role name "${roleName}"`);
    if (!config) throw new VaultError(500, 'could not load backend configuration');

    const claims = await validateJwt(jwt, config, role, req.now);
    const sa = serviceAccountOf(claims);
    if (!globListContains(role.bound_service_account_names, sa.name)) {
      throw new VaultError(403, 'service account name not authorized');
    }
    if (!globListContains(role.bound_service_account_namespaces, sa.namespace)) {
      throw new VaultError(403, 'namespace not authorized');
    }
    // TokenReview: the cluster must vouch for the token and for the same account it claims.
    const review = await cluster.review(jwt);
    if (
      !review.authenticated ||
      review.name !== sa.name ||
      review.namespace !== sa.namespace ||
      review.uid !== sa.uid
    ) {
      throw new VaultError(403, 'permission denied');
    }
    const tokenPolicies = [...role.token_policies].sort();
    const policies = [
      ...new Set([...tokenPolicies, ...(role.token_no_default_policy ? [] : ['default'])]),
    ].sort();
    return {
      auth: {
        policies,
        tokenPolicies: policies,
        metadata: {
          role: roleName.toLowerCase(),
          service_account_name: sa.name,
          service_account_namespace: sa.namespace,
          service_account_secret_name: sa.secretName,
          service_account_uid: sa.uid,
        },
        ttl: role.token_ttl,
        maxTtl: role.token_max_ttl,
        explicitMaxTtl: role.token_explicit_max_ttl,
        period: role.token_period,
        renewable: role.token_type !== 'batch',
        tokenType: role.token_type === 'batch' ? ('batch' as const) : ('service' as const),
        numUses: role.token_num_uses,
        entityId: entityIdFor(sa.uid),
        displayName: `${mount.path.slice('auth/'.length).replace(/\/$/, '')}-${sa.namespace}-${sa.name}`,
        role: roleName.toLowerCase(),
      },
    };
  };

  const entities = new Map<string, string>();
  const entityIdFor = (uid: string): string => {
    let id = entities.get(uid);
    if (!id) {
      id = randomUUID();
      entities.set(uid, id);
    }
    return id;
  };

  return {
    unauthenticated: ['login'],
    routes: [
      { pattern: 'config', handlers: { read: readConfig, update: writeConfig } },
      { pattern: 'login', handlers: { update: login } },
      { pattern: 'role', handlers: { list: () => ({ data: { keys: [...roles.keys()].sort() } }) } },
      {
        pattern: 'role/:name',
        exists: (_req, p) => roles.has(p.name!.toLowerCase()),
        handlers: {
          read: (_req, p) => {
            const role = roles.get(p.name!.toLowerCase());
            return role ? { data: roleView(role) } : null;
          },
          update: (req, p) => {
            const name = p.name!.toLowerCase();
            const { role, warnings } = writeRole(
              req.data,
              roles.get(name),
              mount.maxLeaseTtl || SYSTEM_MAX_TTL,
            );
            roles.set(name, role);
            if (!role.audience) {
              warnings.push(
                `Role ${name} does not have an audience configured. While audiences are not required, consider specifying one if your use case would benefit from additional JWT claim verification.`,
              );
            }
            return warnings.length ? { warnings } : null;
          },
          delete: (_req, p) => {
            roles.delete(p.name!.toLowerCase());
            return null;
          },
        },
      },
    ],
    renewToken: (token) => {
      const role = roles.get(token.role);
      if (!role) throw new VaultError(500, `role ${token.role} does not exist during renewal`);
      return { ttl: role.token_ttl, maxTtl: role.token_max_ttl, period: role.token_period };
    },
  };

  async function validateJwt(
    jwt: string,
    cfg: KubernetesConfig,
    role: KubernetesRole,
    now: number,
  ): Promise<JWTPayload> {
    let claims: JWTPayload;
    try {
      const header = decodeProtectedHeader(jwt);
      if (!ALGORITHMS.includes(String(header.alg))) throw new Error('unsupported algorithm');
      claims = decodeJwt(jwt);
      // Without pem_keys Vault only parses the token here; the TokenReview later checks the signature.
      if (cfg.pem_keys.length > 0 && !(await verifiesWithAny(jwt, cfg.pem_keys)))
        throw new Error('bad signature');
    } catch {
      throw new VaultError(403, 'permission denied');
    }
    if (cfg.issuer && !cfg.disable_iss_validation && claims.iss !== cfg.issuer) {
      throw new VaultError(403, 'invalid issuer (iss) claim');
    }
    if (role.audience) {
      const aud = Array.isArray(claims.aud) ? claims.aud : claims.aud ? [claims.aud] : [];
      if (!aud.includes(role.audience)) {
        throw new VaultError(
          403,
          'invalid audience (aud) claim: audience claim does not match any expected audience',
        );
      }
    }
    const seconds = Math.floor(now / 1000);
    if (typeof claims.exp === 'number' && seconds > claims.exp + LEEWAY_SECONDS) {
      throw new VaultError(403, 'invalid expiration time (exp) claim: token is expired');
    }
    if (typeof claims.nbf === 'number' && seconds < claims.nbf - LEEWAY_SECONDS) {
      throw new VaultError(403, 'invalid not before (nbf) claim: token not yet valid');
    }
    if (typeof claims.iat === 'number' && seconds < claims.iat - LEEWAY_SECONDS) {
      throw new VaultError(403, 'invalid issued at (iat) claim: token issued in the future');
    }
    return claims;
  }
}

async function verifiesWithAny(jwt: string, pems: readonly string[]): Promise<boolean> {
  for (const pem of pems) {
    try {
      const key = createPublicKey(pem);
      const spki = key.export({ type: 'spki', format: 'pem' }).toString();
      const alg = decodeProtectedHeader(jwt).alg!;
      await jwtVerify(jwt, await importSPKI(spki, alg), {
        algorithms: ALGORITHMS,
        clockTolerance: Number.MAX_SAFE_INTEGER,
      });
      return true;
    } catch {
      // try the next key
    }
  }
  return false;
}

interface ServiceAccountClaims {
  namespace: string;
  name: string;
  uid: string;
  secretName: string;
}

/** The plugin prefers the nested projected-token claims and falls back to the legacy flat ones. */
function serviceAccountOf(claims: JWTPayload): ServiceAccountClaims {
  const nested = claims['kubernetes.io'] as
    | { namespace?: string; serviceaccount?: { name?: string; uid?: string } }
    | undefined;
  const legacy = (key: string) => {
    const value = claims[`kubernetes.io/serviceaccount/${key}`];
    return typeof value === 'string' ? value : '';
  };
  const uid = nested?.serviceaccount?.uid ?? legacy('service-account.uid');
  if (!uid) throw new VaultError(400, 'could not parse UID from claims');
  return {
    namespace: nested?.namespace ?? legacy('namespace'),
    name: nested?.serviceaccount?.name ?? legacy('service-account.name'),
    uid,
    secretName: legacy('secret.name'),
  };
}

function containsCertificate(pem: string): boolean {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.some((block) => {
    try {
      new X509Certificate(block);
      return true;
    } catch {
      return false;
    }
  });
}

function isPublicKey(pem: string): boolean {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'ec';
  } catch {
    return false;
  }
}
