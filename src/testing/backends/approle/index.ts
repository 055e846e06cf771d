import { randomUUID } from 'node:crypto';
import type { Backend } from '../../core/backend';
import { SYSTEM_MAX_TTL } from '../../core/durations';
import { goQuote } from '../../core/go-format';
import type { Route } from '../../core/routes';
import type { BackendRequest, BackendResult, MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest, unsupportedPath, VaultError } from '../../core/vault-error';
import { LoginLockout } from '../auth-common/lockout';
import { str } from '../fields';
import { appRoleLogin } from './login';
import { type AppRole, appRoleView, ROLE_FIELDS, writeAppRole } from './role';
import { generateSecretId, SECRET_ID_FIELDS } from './secret-id-issue';
import { SecretIdStore, secretIdView } from './secret-ids';

/**
 * The AppRole auth method (builtin/credential/approle): roles, their role IDs, secret IDs (issued,
 * custom, looked up and destroyed by value or accessor, listed by accessor, tidied), login under
 * Vault's user lockout, and token renewal from the current role. The per-field role endpoints
 * (`role/<name>/policies`, `.../secret-id-ttl`, ...) are not implemented: write the role instead.
 */
export function appRoleBackend(core: VaultCore, mount: MountInfo): Backend {
  const roles = new Map<string, AppRole>();
  const roleIds = new Map<string, string>();
  const secretIds = new SecretIdStore(core.now());
  const lockout = new LoginLockout();
  const entities = new Map<string, string>();
  const mountMaxTtl = () => mount.maxLeaseTtl || SYSTEM_MAX_TTL;
  const roleOf = (name: string) => roles.get(name.toLowerCase());

  // Every handler first catches up with the periodic tidy that Vault runs in the background.
  const tidied =
    <A extends unknown[]>(
      handler: (req: BackendRequest, ...rest: A) => BackendResult | null | Promise<BackendResult | null>,
    ) =>
    (req: BackendRequest, ...rest: A) => {
      secretIds.catchUp(req.now);
      return handler(req, ...rest);
    };

  /** The role a secret-ID endpoint names; each endpoint answers a missing one its own way. */
  const existing = (name: string, missing: () => VaultError): AppRole => {
    const role = roleOf(name);
    if (!role) throw missing();
    return role;
  };
  const plainMissing = (name: string) => () =>
    VaultError.wrapped(500, `role ${goQuote(name)} does not exist`);

  const saveRole = (role: AppRole, previousRoleId: string) => {
    const owner = roleIds.get(role.role_id);
    if (owner !== undefined && owner !== role.name) throw VaultError.wrapped(500, 'role_id already in use');
    if (previousRoleId !== '' && previousRoleId !== role.role_id) roleIds.delete(previousRoleId);
    roles.set(role.name, role);
    roleIds.set(role.role_id, role.name);
  };

  const routes: Route[] = [
    { pattern: 'role', handlers: { list: () => ({ data: { keys: [...roles.keys()].sort() } }) } },
    {
      pattern: 'role/:role_name',
      fields: ROLE_FIELDS,
      exists: (_req, p) => roles.has(p.role_name!.toLowerCase()),
      handlers: {
        read: (_req, p) => {
          const role = roleOf(p.role_name!);
          return role ? { data: appRoleView(role) } : null;
        },
        update: (req, p) => {
          const previous = roleOf(p.role_name!);
          const { role, warnings } = writeAppRole(req.data, p.role_name!, previous, mountMaxTtl());
          saveRole(role, previous?.role_id ?? '');
          return warnings.length > 0 ? { warnings } : null;
        },
        delete: tidied((_req, p: Record<string, string>) => {
          const role = roleOf(p.role_name!);
          if (!role) return null;
          secretIds.flush(role.name);
          roleIds.delete(role.role_id);
          roles.delete(role.name);
          return null;
        }),
      },
    },
    {
      pattern: 'role/:role_name/role-id',
      fields: ['role_name', 'role_id'],
      handlers: {
        read: (_req, p) => {
          const role = roleOf(p.role_name!);
          return role ? { data: { role_id: role.role_id } } : null;
        },
        update: (req, p) => {
          const role = roleOf(p.role_name!);
          if (!role) throw unsupportedPath();
          const roleId = str(req.data, 'role_id');
          if (roleId === '') throw badRequest('missing role_id');
          saveRole({ ...role, role_id: roleId }, role.role_id);
          return null;
        },
      },
    },
    {
      pattern: 'role/:role_name/secret-id',
      fields: SECRET_ID_FIELDS,
      handlers: {
        update: tidied((req, p: Record<string, string>) => issue(req, p.role_name!, randomUUID())),
        list: tidied((_req, p: Record<string, string>) => {
          const role = existing(p.role_name!, () =>
            badRequest(`role ${goQuote(p.role_name!)} does not exist`),
          );
          return { data: { keys: secretIds.accessorsOf(role.name) } };
        }),
      },
    },
    {
      pattern: 'role/:role_name/custom-secret-id',
      fields: [...SECRET_ID_FIELDS, 'secret_id'],
      handlers: {
        update: tidied((req, p: Record<string, string>) =>
          issue(req, p.role_name!, str(req.data, 'secret_id')),
        ),
      },
    },
    {
      pattern: 'role/:role_name/secret-id/lookup',
      fields: ['role_name', 'secret_id'],
      handlers: {
        update: tidied((req, p: Record<string, string>) => {
          const secretId = requireField(req, 'secret_id');
          const role = existing(p.role_name!, plainMissing(p.role_name!));
          const entry = secretIds.get(role.name, secretId);
          return entry ? { data: secretIdView(entry) } : null;
        }),
      },
    },
    {
      pattern: 'role/:role_name/secret-id/destroy',
      fields: ['role_name', 'secret_id'],
      handlers: { update: tidied(destroyById), delete: tidied(destroyById) },
    },
    {
      pattern: 'role/:role_name/secret-id-accessor/lookup',
      fields: ['role_name', 'secret_id_accessor'],
      handlers: {
        update: tidied((req, p: Record<string, string>) => {
          const accessor = requireField(req, 'secret_id_accessor');
          const role = existing(p.role_name!, plainMissing(p.role_name!));
          const found = secretIds.byAccessor(role.name, accessor);
          if (!found.known) {
            throw new VaultError(
              404,
              `failed to find accessor entry for secret_id_accessor: ${goQuote(accessor)}`,
            );
          }
          return found.entry ? { data: secretIdView(found.entry) } : null;
        }),
      },
    },
    {
      pattern: 'role/:role_name/secret-id-accessor/destroy',
      fields: ['role_name', 'secret_id_accessor'],
      handlers: { update: tidied(destroyByAccessor), delete: tidied(destroyByAccessor) },
    },
    {
      pattern: 'login',
      fields: ['role_id', 'secret_id'],
      handlers: {
        update: tidied((req) => {
          // The core's user lockout looks the login's alias (the role ID) up before the method runs.
          const alias = str(req.data, 'role_id').trim();
          return lockout.guard(alias, req.now, () =>
            appRoleLogin(req, {
              roleByRoleId: (roleId) => {
                const name = roleIds.get(roleId);
                return name === undefined ? undefined : roles.get(name);
              },
              secretIds,
              entityIdFor: (roleId) => {
                let id = entities.get(roleId);
                if (!id) {
                  id = randomUUID();
                  entities.set(roleId, id);
                }
                return id;
              },
            }),
          );
        }),
      },
    },
    {
      pattern: 'tidy/secret-id',
      handlers: {
        update: (req) => {
          secretIds.tidy(req.now);
          return {
            status: 202,
            data: null,
            warnings: [
              "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.",
            ],
          };
        },
      },
    },
  ];

  function issue(req: BackendRequest, roleName: string, secretId: string): BackendResult {
    return generateSecretId(req, {
      roleName,
      secretId,
      role: roleOf(roleName),
      store: secretIds,
      mountMaxTtl: mountMaxTtl(),
    });
  }

  function destroyById(req: BackendRequest, p: Record<string, string>): null {
    const secretId = requireField(req, 'secret_id');
    const role = existing(p.role_name!, plainMissing(p.role_name!));
    secretIds.delete(role.name, secretId);
    return null;
  }

  function destroyByAccessor(req: BackendRequest, p: Record<string, string>): null {
    const accessor = requireField(req, 'secret_id_accessor');
    const role = existing(p.role_name!, plainMissing(p.role_name!));
    const found = secretIds.byAccessor(role.name, accessor);
    if (!found.known) {
      throw VaultError.wrapped(
        500,
        `failed to find accessor entry for secret_id_accessor: ${goQuote(accessor)}`,
      );
    }
    if (!found.secretId) throw new VaultError(403, 'invalid secret id accessor');
    secretIds.delete(role.name, found.secretId);
    return null;
  }

  return {
    unauthenticated: ['login'],
    routes,
    // pathLoginRenew: the role must still exist; its current TTLs apply.
    renewToken: (token) => {
      const role = roles.get(token.role);
      if (!role) throw new VaultError(500, `role ${goQuote(token.role)} does not exist during renewal`);
      return {
        ttl: role.params.token_ttl,
        maxTtl: role.params.token_max_ttl,
        period: role.params.token_period,
      };
    },
  };
}

function requireField(req: BackendRequest, key: string): string {
  const value = str(req.data, key);
  if (value === '') throw badRequest(`missing ${key}`);
  return value;
}
