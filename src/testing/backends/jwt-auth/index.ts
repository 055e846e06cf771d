import type { Backend } from '../../core/backend';
import { SYSTEM_MAX_TTL } from '../../core/durations';
import { defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest, MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { EntityAliases } from '../auth-common/entity-aliases';
import { renewFromRole, roleRoutes } from '../auth-common/role-routes';
import { CONFIG_FIELDS, type JwtConfig, jwtConfigView, writeJwtConfig } from './config';
import type { Resolver } from './http-get';
import { discoveryKeySet, type KeySet, remoteKeySet, staticKeySet } from './key-sets';
import { jwtLogin, LOGIN_FIELDS } from './login';
import { type JwtRole, jwtRoleView, ROLE_FIELDS, writeJwtRole } from './role';

/**
 * The JWT auth method (vault-plugin-auth-jwt) for JWT logins: config, roles, login and token
 * renewal. The OIDC browser flow (`oidc/auth_url`, `oidc/callback`) is not implemented.
 */
export function jwtAuthBackend(_core: VaultCore, mount: MountInfo, resolver?: Resolver): Backend {
  let config: JwtConfig | undefined;
  const roles = new Map<string, JwtRole>();
  const entities = new EntityAliases();
  let validator: Promise<KeySet[]> | undefined;

  // backend.jwtValidator: built once per config and kept, with its JWKS cache, until the next
  // config write. A failure is not kept, so the next login tries again.
  const keySets = (): Promise<KeySet[]> => {
    if (!config) return Promise.reject(new Error('unsupported config type'));
    if (!validator) {
      const current = config;
      validator = buildKeySets(current, resolver);
      validator.catch(() => {
        if (config === current) validator = undefined;
      });
    }
    return validator;
  };

  const mountMaxTtl = () => mount.maxLeaseTtl || SYSTEM_MAX_TTL;

  const login = (req: BackendRequest, input: RouteInput<typeof LOGIN_FIELDS>) =>
    jwtLogin(req, input, {
      config,
      roles,
      keySets,
      entityIdFor: (alias) => entities.idFor(alias),
    });

  return {
    unauthenticated: ['login'],
    routes: [
      defineRoute({
        pattern: 'config',
        fields: CONFIG_FIELDS,
        handlers: {
          read: () => (config ? { data: jwtConfigView(config) } : null),
          update: async (_req, input) => {
            config = await writeJwtConfig(input, config, resolver);
            validator = undefined;
            return null;
          },
        },
      }),
      defineRoute({ pattern: 'login', fields: LOGIN_FIELDS, handlers: { update: login } }),
      ...roleRoutes(roles, {
        fields: ROLE_FIELDS,
        view: jwtRoleView,
        write: (input, previous) => writeJwtRole(input, previous, mountMaxTtl()),
      }),
    ],
    renewToken: renewFromRole(roles),
  };
}

/** config.authType(): static keys, else a JWKS URL, else OIDC discovery. */
async function buildKeySets(config: JwtConfig, resolver: Resolver | undefined): Promise<KeySet[]> {
  if (config.jwt_validation_pubkeys.length > 0) return [staticKeySet(config.jwt_validation_pubkeys)];
  if (config.jwks_url !== '') return [remoteKeySet(config.jwks_url, config.jwks_ca_pem, resolver)];
  if (config.oidc_discovery_url !== '' && !(config.oidc_client_id && config.oidc_client_secret)) {
    try {
      return [await discoveryKeySet(config.oidc_discovery_url, config.oidc_discovery_ca_pem, resolver)];
    } catch (error) {
      throw new Error(`keyset configuration error: ${(error as Error).message}`);
    }
  }
  throw new Error('unsupported config type');
}
