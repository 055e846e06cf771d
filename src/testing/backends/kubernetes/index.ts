import type { KubernetesCluster } from '../../cluster/kubernetes-cluster';
import type { Backend } from '../../core/backend';
import { SYSTEM_MAX_TTL } from '../../core/durations';
import type { EngineContext } from '../../core/engine';
import { field } from '../../core/fields';
import { goQuote } from '../../core/go-format';
import { defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest } from '../../core/types';
import { badRequest, VaultError } from '../../core/vault-error';
import { EntityAliases } from '../auth-common/entity-aliases';
import { renewFromRole, roleRoutes } from '../auth-common/role-routes';
import { globListContains } from '../glob';
import { tokenAuth } from '../shared/token-fields';
import { containsPemBlock, isPublicKey, serviceAccountOf, validateJwt } from './jwt';
import { type KubernetesRole, ROLE_FIELDS, roleView, writeRole } from './role';

interface KubernetesConfig {
  kubernetesHost: string;
  kubernetesCaCert: string;
  tokenReviewerJwt: string;
  pemKeys: string[];
  issuer: string;
  disableIssValidation: boolean;
  disableLocalCaJwt: boolean;
  useAnnotationsAsAliasMetadata: boolean;
}

/** path_config.go's fields. */
const CONFIG_FIELDS = {
  kubernetes_host: field(
    'string',
    'Host must be a host string, a host:port pair, or a URL to the base of the Kubernetes API server.',
  ),
  kubernetes_ca_cert: field(
    'string',
    'PEM encoded CA cert for use by the TLS client used to talk with the API.',
  ),
  token_reviewer_jwt: field(
    'string',
    'A service account JWT used to access the TokenReview API to validate other JWTs during login.',
  ),
  pem_keys: field(
    'commaStringSlice',
    'Optional list of PEM-formated public keys or certificates used to verify the signatures of kubernetes service account JWTs.',
  ),
  issuer: field('string', 'Optional JWT issuer.'),
  disable_iss_validation: field('bool', 'Disable JWT issuer validation.', true),
  disable_local_ca_jwt: field(
    'bool',
    'Disable defaulting to the local CA cert and service account JWT when running in a Kubernetes pod.',
    false,
  ),
  use_annotations_as_alias_metadata: field(
    'bool',
    "Use annotations from the client token's associated service account as alias metadata.",
  ),
} as const;

const LOGIN_FIELDS = {
  role: field('string', 'Name of the role against which the login is being attempted.'),
  jwt: field('string', 'A signed JWT for authenticating a service account.'),
} as const;

/**
 * The Kubernetes auth method: config, roles and login, with login checks in the order the
 * vault-plugin-auth-kubernetes plugin runs them, since the order decides which error a user sees.
 */
export function kubernetesBackend({ mount }: EngineContext, cluster: KubernetesCluster): Backend {
  let config: KubernetesConfig | undefined;
  const roles = new Map<string, KubernetesRole>();
  const entities = new EntityAliases();

  // A config write replaces the whole config, as the plugin stores what the request holds.
  const writeConfig = ({ fields }: RouteInput<typeof CONFIG_FIELDS>) => {
    if (fields.kubernetes_host === '') throw badRequest('no host provided');
    const ca = fields.kubernetes_ca_cert;
    if (ca !== '' && !containsPemBlock(ca))
      throw badRequest('The provided CA PEM data contains no valid certificates');
    const pemKeys = fields.pem_keys.filter((pem) => pem !== '');
    for (const pem of pemKeys) {
      if (!isPublicKey(pem)) throw badRequest('data does not contain any valid RSA or ECDSA public keys');
    }
    config = {
      kubernetesHost: fields.kubernetes_host,
      kubernetesCaCert: ca,
      tokenReviewerJwt: fields.token_reviewer_jwt,
      pemKeys,
      issuer: fields.issuer,
      disableIssValidation: fields.disable_iss_validation,
      disableLocalCaJwt: fields.disable_local_ca_jwt,
      useAnnotationsAsAliasMetadata: fields.use_annotations_as_alias_metadata,
    };
    return null;
  };

  const readConfig = () => {
    if (!config) return null;
    return {
      data: {
        kubernetes_host: config.kubernetesHost,
        kubernetes_ca_cert: config.kubernetesCaCert,
        pem_keys: config.pemKeys,
        issuer: config.issuer,
        disable_iss_validation: config.disableIssValidation,
        disable_local_ca_jwt: config.disableLocalCaJwt,
        use_annotations_as_alias_metadata: config.useAnnotationsAsAliasMetadata,
        token_reviewer_jwt_set: config.tokenReviewerJwt !== '',
      },
    };
  };

  const login = async (req: BackendRequest, { fields }: RouteInput<typeof LOGIN_FIELDS>) => {
    const roleName = fields.role;
    if (roleName === '') throw badRequest('missing role');
    const jwt = fields.jwt;
    if (jwt === '') throw badRequest('missing jwt');
    const role = roles.get(roleName.toLowerCase());
    if (!role) throw badRequest(`invalid role name ${goQuote(roleName)}`);
    if (!config) throw new VaultError(500, 'could not load backend configuration');

    const claims = await validateJwt(
      jwt,
      {
        pemKeys: config.pemKeys,
        issuer: config.disableIssValidation ? '' : config.issuer,
        audience: role.audience,
      },
      req.now,
    );
    const sa = serviceAccountOf(claims);
    const names = role.boundServiceAccountNames;
    if ((names.length > 1 || names[0] !== '*') && !globListContains(names, sa.name)) {
      throw new VaultError(403, 'service account name not authorized');
    }
    const namespaces = role.boundServiceAccountNamespaces;
    if (!(namespaces[0] === '*' || globListContains(namespaces, sa.namespace))) {
      throw new VaultError(403, 'namespace not authorized');
    }
    // getAliasName runs before the TokenReview; plain errors of a login answer 500 verbatim.
    if (role.aliasNameSource === 'serviceaccount_name' && (sa.namespace === '' || sa.name === '')) {
      throw new VaultError(500, 'service account namespace and name must be set');
    }
    if (role.aliasNameSource !== 'serviceaccount_name' && sa.uid === '') {
      throw new VaultError(500, 'could not parse UID from claims');
    }
    // TokenReview: the cluster must vouch for the token and for the same account it claims. Vault
    // calls it with token_reviewer_jwt, or with the client's own JWT when none is configured; a
    // caller without system:auth-delegator is refused, which the plugin reports as "permission denied".
    const review = await cluster.review(jwt);
    if (
      !cluster.mayReview(config.tokenReviewerJwt || jwt) ||
      !review.authenticated ||
      review.name !== sa.name ||
      review.namespace !== sa.namespace ||
      review.uid !== sa.uid
    ) {
      throw new VaultError(403, 'permission denied');
    }
    const mountName = mount.path.slice('auth/'.length).replace(/\/$/, '').replaceAll('/', '-');
    return {
      auth: {
        ...tokenAuth(role.token),
        metadata: {
          role: roleName,
          service_account_name: sa.name,
          service_account_namespace: sa.namespace,
          service_account_secret_name: sa.secretName,
          service_account_uid: sa.uid,
        },
        entityId: entities.idFor(sa.uid),
        displayName: `${mountName}-${sa.namespace}-${sa.name}`,
        role: roleName.toLowerCase(),
      },
    };
  };

  return {
    unauthenticated: ['login'],
    routes: [
      defineRoute({
        pattern: 'config',
        fields: CONFIG_FIELDS,
        handlers: { read: readConfig, update: (_req, input) => writeConfig(input) },
      }),
      defineRoute({ pattern: 'login', fields: LOGIN_FIELDS, handlers: { update: login } }),
      ...roleRoutes(roles, {
        fields: ROLE_FIELDS,
        view: roleView,
        write: (input, previous) =>
          writeRole(input, input.params.name, previous, mount.maxLeaseTtl || SYSTEM_MAX_TTL),
      }),
    ],
    renewToken: renewFromRole(roles),
  };
}
