import { randomUUID } from 'node:crypto';
import type { KubernetesCluster } from '../cluster/kubernetes-cluster';
import type { Backend } from '../core/backend';
import { SYSTEM_MAX_TTL } from '../core/durations';
import { goQuote } from '../core/go-format';
import type { BackendRequest, MountInfo } from '../core/types';
import type { VaultCore } from '../core/vault-core';
import { badRequest, VaultError } from '../core/vault-error';
import { bool, list, str } from './fields';
import { globListContains } from './glob';
import { containsPemBlock, isPublicKey, serviceAccountOf, validateJwt } from './kubernetes-jwt';
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

const CONFIG_FIELDS = [
  'kubernetes_host',
  'kubernetes_ca_cert',
  'token_reviewer_jwt',
  'pem_keys',
  'issuer',
  'disable_iss_validation',
  'disable_local_ca_jwt',
  'use_annotations_as_alias_metadata',
];
/** path_role.go's fields plus tokenutil's, current and deprecated. */
const ROLE_FIELDS = [
  'bound_service_account_names',
  'bound_service_account_namespaces',
  'bound_service_account_namespace_selector',
  'audience',
  'alias_name_source',
  ...['ttl', 'max_ttl', 'period', 'policies', 'num_uses', 'bound_cidrs'].flatMap((f) => [f, `token_${f}`]),
  'token_explicit_max_ttl',
  'token_no_default_policy',
  'token_type',
];

/**
 * The Kubernetes auth method: config, roles and login, with login checks in the order the
 * vault-plugin-auth-kubernetes plugin runs them, since the order decides which error a user sees.
 */
export function kubernetesBackend(_core: VaultCore, mount: MountInfo, cluster: KubernetesCluster): Backend {
  let config: KubernetesConfig | undefined;
  const roles = new Map<string, KubernetesRole>();

  // A config write replaces the whole config, as the plugin stores what the request holds.
  const writeConfig = (req: BackendRequest) => {
    const data = req.data;
    const host = str(data, 'kubernetes_host');
    if (host === '') throw badRequest('no host provided');
    const ca = str(data, 'kubernetes_ca_cert');
    if (ca !== '' && !containsPemBlock(ca))
      throw badRequest('The provided CA PEM data contains no valid certificates');
    const pemKeys = list(data, 'pem_keys') ?? [];
    for (const pem of pemKeys) {
      if (!isPublicKey(pem)) throw badRequest('data does not contain any valid RSA or ECDSA public keys');
    }
    config = {
      kubernetes_host: host,
      kubernetes_ca_cert: ca,
      token_reviewer_jwt: str(data, 'token_reviewer_jwt'),
      pem_keys: pemKeys,
      issuer: str(data, 'issuer'),
      disable_iss_validation: bool(data, 'disable_iss_validation', true),
      disable_local_ca_jwt: bool(data, 'disable_local_ca_jwt', false),
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
    if (!role) throw badRequest(`invalid role name ${goQuote(roleName)}`);
    if (!config) throw new VaultError(500, 'could not load backend configuration');

    const claims = await validateJwt(
      jwt,
      {
        pemKeys: config.pem_keys,
        issuer: config.disable_iss_validation ? '' : config.issuer,
        audience: role.audience,
      },
      req.now,
    );
    const sa = serviceAccountOf(claims);
    const names = role.bound_service_account_names;
    if ((names.length > 1 || names[0] !== '*') && !globListContains(names, sa.name)) {
      throw new VaultError(403, 'service account name not authorized');
    }
    const namespaces = role.bound_service_account_namespaces;
    if (!(namespaces[0] === '*' || globListContains(namespaces, sa.namespace))) {
      throw new VaultError(403, 'namespace not authorized');
    }
    // getAliasName runs before the TokenReview; plain errors of a login answer 500 verbatim.
    if (role.alias_name_source === 'serviceaccount_name' && (sa.namespace === '' || sa.name === '')) {
      throw new VaultError(500, 'service account namespace and name must be set');
    }
    if (role.alias_name_source !== 'serviceaccount_name' && sa.uid === '') {
      throw new VaultError(500, 'could not parse UID from claims');
    }
    // TokenReview: the cluster must vouch for the token and for the same account it claims. Vault
    // calls it with token_reviewer_jwt, or with the client's own JWT when none is configured; a
    // caller without system:auth-delegator is refused, which the plugin reports as "permission denied".
    const review = await cluster.review(jwt);
    if (
      !cluster.mayReview(config.token_reviewer_jwt || jwt) ||
      !review.authenticated ||
      review.name !== sa.name ||
      review.namespace !== sa.namespace ||
      review.uid !== sa.uid
    ) {
      throw new VaultError(403, 'permission denied');
    }
    const policies = [
      ...new Set([...role.token_policies, ...(role.token_no_default_policy ? [] : ['default'])]),
    ].sort();
    const mountName = mount.path.slice('auth/'.length).replace(/\/$/, '').replaceAll('/', '-');
    return {
      auth: {
        policies,
        tokenPolicies: policies,
        metadata: {
          role: roleName,
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
        displayName: `${mountName}-${sa.namespace}-${sa.name}`,
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
      { pattern: 'config', fields: CONFIG_FIELDS, handlers: { read: readConfig, update: writeConfig } },
      { pattern: 'login', fields: ['role', 'jwt'], handlers: { update: login } },
      { pattern: 'role', handlers: { list: () => ({ data: { keys: [...roles.keys()].sort() } }) } },
      {
        pattern: 'role/:name',
        fields: ROLE_FIELDS,
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
              p.name!,
              roles.get(name),
              mount.maxLeaseTtl || SYSTEM_MAX_TTL,
            );
            roles.set(name, role);
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
}
