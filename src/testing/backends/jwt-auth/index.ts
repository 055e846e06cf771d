import { randomUUID } from 'node:crypto';
import type { Backend } from '../../core/backend';
import { SYSTEM_MAX_TTL } from '../../core/durations';
import type { MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { VaultError } from '../../core/vault-error';
import { CONFIG_FIELDS, type JwtConfig, jwtConfigView, writeJwtConfig } from './config';
import type { Resolver } from './http-get';
import { discoveryKeySet, type KeySet, remoteKeySet, staticKeySet } from './key-sets';
import { jwtLogin } from './login';
import { type JwtRole, jwtRoleView, ROLE_FIELDS, writeJwtRole } from './role';

/**
 * The JWT auth method (vault-plugin-auth-jwt) for JWT logins: config, roles, login and token
 * renewal. The OIDC browser flow (`oidc/auth_url`, `oidc/callback`) is not implemented.
 */
export function jwtAuthBackend(_core: VaultCore, mount: MountInfo, resolver?: Resolver): Backend {
  let config: JwtConfig | undefined;
  const roles = new Map<string, JwtRole>();
  const entities = new Map<string, string>();
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

  return {
    unauthenticated: ['login'],
    routes: [
      {
        pattern: 'config',
        fields: CONFIG_FIELDS,
        handlers: {
          read: () => (config ? { data: jwtConfigView(config) } : null),
          update: async (req) => {
            config = await writeJwtConfig(req.data, config, resolver);
            validator = undefined;
            return null;
          },
        },
      },
      {
        pattern: 'login',
        fields: ['role', 'jwt', 'distributed_claim_access_token'],
        handlers: {
          update: (req) =>
            jwtLogin(req, {
              config,
              roles,
              keySets,
              entityIdFor: (alias) => {
                let id = entities.get(alias);
                if (!id) {
                  id = randomUUID();
                  entities.set(alias, id);
                }
                return id;
              },
            }),
        },
      },
      { pattern: 'role', handlers: { list: () => ({ data: { keys: [...roles.keys()].sort() } }) } },
      {
        pattern: 'role/:name',
        fields: ROLE_FIELDS,
        exists: (_req, p) => roles.has(p.name!.toLowerCase()),
        handlers: {
          read: (_req, p) => {
            const role = roles.get(p.name!.toLowerCase());
            return role ? { data: jwtRoleView(role) } : null;
          },
          update: (req, p) => {
            const name = p.name!.toLowerCase();
            const { role, warnings } = writeJwtRole(req.data, roles.get(name), mountMaxTtl());
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
    // pathLoginRenew: the role must still exist, and its current TTLs apply.
    renewToken: (token) => {
      const role = roles.get(token.role);
      if (!role) throw new VaultError(500, `role ${token.role} does not exist during renewal`);
      return {
        ttl: role.params.token_ttl,
        maxTtl: role.params.token_max_ttl,
        period: role.params.token_period,
      };
    },
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
