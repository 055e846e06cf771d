import { randomUUID } from 'node:crypto';
import type { Backend } from '../../core/backend';
import { SYSTEM_MAX_TTL } from '../../core/durations';
import { field } from '../../core/fields';
import { goQuote } from '../../core/go-format';
import { defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult, MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest, unsupportedPath, VaultError } from '../../core/vault-error';
import { EntityAliases } from '../auth-common/entity-aliases';
import { LoginLockout } from '../auth-common/lockout';
import { renewFromRole } from '../auth-common/role-routes';
import { appRoleLogin, LOGIN_FIELDS } from './login';
import { type AppRole, appRoleView, ROLE_FIELDS, writeAppRole } from './role';
import { CUSTOM_SECRET_ID_FIELDS, generateSecretId, SECRET_ID_FIELDS } from './secret-id-issue';
import { SecretIdStore, secretIdView } from './secret-ids';

/**
 * The AppRole auth method (builtin/credential/approle): roles, their role IDs, secret IDs (issued,
 * custom, looked up and destroyed by value or accessor, listed by accessor, tidied), login under
 * Vault's user lockout, and token renewal from the current role. The per-field role endpoints
 * (`role/<name>/policies`, `.../secret-id-ttl`, ...) are not implemented: write the role instead.
 */
const NAME = { role_name: field('string', 'Name of the role.') } as const;
const BY_VALUE = { ...NAME, secret_id: field('string', 'SecretID attached to the role.') } as const;
const BY_ACCESSOR = { ...NAME, secret_id_accessor: field('string', 'Accessor of the SecretID.') } as const;
const ROLE_ID = { ...NAME, role_id: field('string', 'Identifier of the role.') } as const;

export function appRoleBackend(core: VaultCore, mount: MountInfo): Backend {
  const roles = new Map<string, AppRole>();
  const roleIds = new Map<string, string>();
  const secretIds = new SecretIdStore(core.now());
  const lockout = new LoginLockout();
  const entities = new EntityAliases();
  const mountMaxTtl = () => mount.maxLeaseTtl || SYSTEM_MAX_TTL;
  const roleOf = (name: string) => roles.get(name.toLowerCase());

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

  // Every handler that touches secret IDs first catches up with the periodic tidy Vault runs in the background.
  const tidy = (req: BackendRequest) => secretIds.catchUp(req.now);

  const routes = [
    defineRoute({
      pattern: 'role',
      handlers: { list: () => ({ data: { keys: [...roles.keys()].sort() } }) },
    }),
    defineRoute({
      pattern: 'role/:role_name',
      fields: ROLE_FIELDS,
      exists: (_req, { params }) => roles.has(params.role_name.toLowerCase()),
      handlers: {
        read: (_req, { params }) => {
          const role = roleOf(params.role_name);
          return role ? { data: appRoleView(role) } : null;
        },
        update: (_req, input) => {
          const previous = roleOf(input.params.role_name);
          const { role, warnings } = writeAppRole(input, input.params.role_name, previous, mountMaxTtl());
          saveRole(role, previous?.role_id ?? '');
          return warnings.length > 0 ? { warnings } : null;
        },
        delete: (req, { params }) => {
          tidy(req);
          const role = roleOf(params.role_name);
          if (!role) return null;
          secretIds.flush(role.name);
          roleIds.delete(role.role_id);
          roles.delete(role.name);
          return null;
        },
      },
    }),
    defineRoute({
      pattern: 'role/:role_name/role-id',
      fields: ROLE_ID,
      handlers: {
        read: (_req, { params }) => {
          const role = roleOf(params.role_name);
          return role ? { data: { role_id: role.role_id } } : null;
        },
        update: (_req, { params, fields }) => {
          const role = roleOf(params.role_name);
          if (!role) throw unsupportedPath();
          if (fields.role_id === '') throw badRequest('missing role_id');
          saveRole({ ...role, role_id: fields.role_id }, role.role_id);
          return null;
        },
      },
    }),
    defineRoute({
      pattern: 'role/:role_name/secret-id',
      fields: SECRET_ID_FIELDS,
      handlers: {
        update: (req, input) => {
          tidy(req);
          return issue(req, input, randomUUID());
        },
        list: (req, { params }) => {
          tidy(req);
          const role = existing(params.role_name, () =>
            badRequest(`role ${goQuote(params.role_name)} does not exist`),
          );
          return { data: { keys: secretIds.accessorsOf(role.name) } };
        },
      },
    }),
    defineRoute({
      pattern: 'role/:role_name/custom-secret-id',
      fields: CUSTOM_SECRET_ID_FIELDS,
      handlers: {
        update: (req, input) => {
          tidy(req);
          return issue(req, input, input.fields.secret_id);
        },
      },
    }),
    defineRoute({
      pattern: 'role/:role_name/secret-id/lookup',
      fields: BY_VALUE,
      handlers: {
        update: (req, { params, fields }) => {
          tidy(req);
          if (fields.secret_id === '') throw badRequest('missing secret_id');
          const role = existing(params.role_name, plainMissing(params.role_name));
          const entry = secretIds.get(role.name, fields.secret_id);
          return entry ? { data: secretIdView(entry) } : null;
        },
      },
    }),
    defineRoute({
      pattern: 'role/:role_name/secret-id/destroy',
      fields: BY_VALUE,
      handlers: { update: destroyById, delete: destroyById },
    }),
    defineRoute({
      pattern: 'role/:role_name/secret-id-accessor/lookup',
      fields: BY_ACCESSOR,
      handlers: {
        update: (req, { params, fields }) => {
          tidy(req);
          const accessor = fields.secret_id_accessor;
          if (accessor === '') throw badRequest('missing secret_id_accessor');
          const role = existing(params.role_name, plainMissing(params.role_name));
          const found = secretIds.byAccessor(role.name, accessor);
          if (!found.known) {
            throw new VaultError(
              404,
              `failed to find accessor entry for secret_id_accessor: ${goQuote(accessor)}`,
            );
          }
          return found.entry ? { data: secretIdView(found.entry) } : null;
        },
      },
    }),
    defineRoute({
      pattern: 'role/:role_name/secret-id-accessor/destroy',
      fields: BY_ACCESSOR,
      handlers: { update: destroyByAccessor, delete: destroyByAccessor },
    }),
    defineRoute({
      pattern: 'login',
      fields: LOGIN_FIELDS,
      handlers: {
        update: (req, input) => {
          tidy(req);
          // The core's user lockout looks the login's alias (the role ID) up before the method runs.
          const alias = input.fields.role_id.trim();
          return lockout.guard(alias, req.now, () =>
            appRoleLogin(req, input, {
              roleByRoleId: (roleId) => {
                const name = roleIds.get(roleId);
                return name === undefined ? undefined : roles.get(name);
              },
              secretIds,
              entityIdFor: (roleId) => entities.idFor(roleId),
            }),
          );
        },
      },
    }),
    defineRoute({
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
    }),
  ];

  function issue(
    req: BackendRequest,
    input: RouteInput<typeof SECRET_ID_FIELDS, 'role_name'>,
    secretId: string,
  ): BackendResult {
    const roleName = input.params.role_name;
    return generateSecretId(req, input, {
      roleName,
      secretId,
      role: roleOf(roleName),
      store: secretIds,
      mountMaxTtl: mountMaxTtl(),
    });
  }

  function destroyById(
    req: BackendRequest,
    { params, fields }: RouteInput<typeof BY_VALUE, 'role_name'>,
  ): null {
    tidy(req);
    if (fields.secret_id === '') throw badRequest('missing secret_id');
    const role = existing(params.role_name, plainMissing(params.role_name));
    secretIds.delete(role.name, fields.secret_id);
    return null;
  }

  function destroyByAccessor(
    req: BackendRequest,
    { params, fields }: RouteInput<typeof BY_ACCESSOR, 'role_name'>,
  ): null {
    tidy(req);
    const accessor = fields.secret_id_accessor;
    if (accessor === '') throw badRequest('missing secret_id_accessor');
    const role = existing(params.role_name, plainMissing(params.role_name));
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
    renewToken: renewFromRole(roles, goQuote),
  };
}
