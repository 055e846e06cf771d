import type { Route } from '../../core/routes';
import type { BackendRequest } from '../../core/types';
import { badRequest, VaultError } from '../../core/vault-error';
import { bool, duration, list, str } from '../fields';
import { allowedRoleCheck, configFor } from './creds';
import type { DatabasePlugin } from './plugins/plugin';
import {
  type ConnectionConfig,
  type CredentialType,
  type DatabaseState,
  openPlugin,
  redactUrl,
  type StaticRole,
  urlHasPassword,
} from './state';

const RESERVED_CONFIG_KEYS = [
  'name',
  'plugin_name',
  'plugin_version',
  'allowed_roles',
  'verify_connection',
  'root_rotation_statements',
  'password_policy',
];

/** Vault's TypeStringSlice: a lone string is one element (SQL may hold commas), "" is an empty list. */
export function statements(data: Record<string, unknown>, key: string): string[] | undefined {
  const value = data[key];
  if (value === undefined || value === null) return undefined;
  if (value === '') return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function credentialType(data: Record<string, unknown>, fallback: CredentialType): CredentialType {
  const value = str(data, 'credential_type', fallback);
  if (value === 'password' || value === 'rsa_private_key' || value === 'client_certificate') return value;
  throw badRequest(`invalid credential_type "${value}"`);
}

const listOf = (keys: Iterable<string>) => ({ data: { keys: [...keys].sort() } });

/** `config/:name`, `roles/:name` and `static-roles/:name` (openbao/openbao:internal/builtin/logical/database). */
export function configAndRoleRoutes(state: DatabaseState): Route[] {
  const { configs, roles, staticRoles } = state;

  const writeConfig = async (req: BackendRequest, name: string) => {
    const create = req.operation === 'create';
    const previous = configs.get(name);
    const pluginName = str(req.data, 'plugin_name', create ? '' : (previous?.pluginName ?? ''));
    if (pluginName === '') throw badRequest('empty plugin name');
    const details: Record<string, unknown> = create ? {} : { ...previous?.connectionDetails };
    for (const [key, value] of Object.entries(req.data))
      if (!RESERVED_CONFIG_KEYS.includes(key)) details[key] = value;
    const config: ConnectionConfig = {
      pluginName,
      pluginVersion: str(req.data, 'plugin_version', previous?.pluginVersion ?? ''),
      connectionDetails: details,
      allowedRoles: list(req.data, 'allowed_roles') ?? (create ? [] : (previous?.allowedRoles ?? [])),
      rootRotationStatements:
        statements(req.data, 'root_rotation_statements') ??
        (create ? [] : (previous?.rootRotationStatements ?? [])),
      passwordPolicy: str(req.data, 'password_policy', previous?.passwordPolicy ?? ''),
      verifyConnection: bool(req.data, 'verify_connection', true),
    };
    // A new plugin instance, initialised with the details; with verify_connection (the default)
    // it connects once, so an unreachable database fails the write as it does in Vault.
    let plugin: DatabasePlugin;
    try {
      plugin = await openPlugin(config, config.verifyConnection);
    } catch (error) {
      throw badRequest(`error creating database object: ${(error as Error).message}`);
    }
    configs.set(name, config);
    await state.replaceConnection(name, plugin);
    const url = details.connection_url;
    if (typeof url === 'string' && urlHasPassword(url)) {
      return {
        warnings: [
          'Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information.',
        ],
      };
    }
    return null;
  };

  const readConfig = (name: string) => {
    const config = configs.get(name);
    if (!config) return null;
    const details = { ...config.connectionDetails };
    delete details.password;
    delete details.private_key;
    if (typeof details.connection_url === 'string')
      details.connection_url = redactUrl(details.connection_url);
    return {
      data: {
        plugin_name: config.pluginName,
        plugin_version: config.pluginVersion,
        connection_details: details,
        allowed_roles: config.allowedRoles,
        root_credentials_rotate_statements: config.rootRotationStatements,
        password_policy: config.passwordPolicy,
        // Not in the openbao fork's struct; current Vault echoes it (uncertain which version added it).
        verify_connection: config.verifyConnection,
      },
    };
  };

  const writeRole = (req: BackendRequest, name: string) => {
    if (staticRoles.has(name)) throw badRequest('Role and Static Role names must be unique');
    const create = req.operation === 'create' || !roles.has(name);
    const previous = roles.get(name);
    const dbName = str(req.data, 'db_name', previous?.dbName ?? '');
    if (dbName === '') throw badRequest('database name is required');
    const keep = (key: string, old: string[] | undefined) =>
      statements(req.data, key) ?? (create ? [] : (old ?? []));
    roles.set(name, {
      dbName,
      credentialType: credentialType(req.data, previous?.credentialType ?? 'password'),
      creation: keep('creation_statements', previous?.creation),
      revocation: keep('revocation_statements', previous?.revocation).filter((s) => s !== ''),
      rollback: keep('rollback_statements', previous?.rollback),
      renew: keep('renew_statements', previous?.renew),
      defaultTtl: duration(req.data, 'default_ttl', create ? 0 : (previous?.defaultTtl ?? 0)),
      maxTtl: duration(req.data, 'max_ttl', create ? 0 : (previous?.maxTtl ?? 0)),
    });
    return null;
  };

  const writeStaticRole = async (req: BackendRequest, name: string) => {
    if (roles.has(name)) throw badRequest('Role and Static Role names must be unique');
    const previous = staticRoles.get(name);
    const create = previous === undefined;
    const dbName = str(req.data, 'db_name', previous?.dbName ?? '');
    if (dbName === '') throw badRequest('database name is a required field');
    // Vault reads username on every write, so an update that leaves it out is refused too.
    const username = str(req.data, 'username');
    if (username === '' && create)
      throw badRequest('username is a required field to create a static account');
    if (previous && previous.username !== username) throw badRequest('cannot update static account username');
    if (req.data.rotation_period === undefined && create) {
      throw badRequest('rotation_period is required to create static accounts');
    }
    const rotationPeriod = duration(req.data, 'rotation_period', previous?.rotationPeriod ?? 0);
    if (req.data.rotation_period !== undefined && rotationPeriod < 5) {
      throw badRequest('rotation_period must be 5 seconds or more');
    }
    const role: StaticRole = {
      dbName,
      username,
      password: previous?.password ?? '',
      rotationPeriod,
      rotationStatements: statements(req.data, 'rotation_statements') ?? previous?.rotationStatements ?? [],
      credentialType: credentialType(req.data, previous?.credentialType ?? 'password'),
      lastRotation: previous?.lastRotation ?? req.now,
    };
    if (create) {
      // Creation sets the password at once (setStaticAccount), with its connection checks.
      const config = configFor(state, dbName);
      allowedRoleCheck(config, name);
      if (role.credentialType !== 'password') {
        throw VaultError.wrapped(500, `unsupported credential_type: "${role.credentialType}"`);
      }
      staticRoles.set(name, role);
      try {
        await state.setPassword(name, role, req.now);
      } catch (error) {
        staticRoles.delete(name);
        throw VaultError.wrapped(500, `error setting credentials: ${(error as Error).message}`);
      }
      return null;
    }
    staticRoles.set(name, role);
    return null;
  };

  const readRole = (name: string) => {
    const role = roles.get(name);
    if (!role) return null;
    return {
      data: {
        db_name: role.dbName,
        creation_statements: role.creation,
        revocation_statements: role.revocation,
        rollback_statements: role.rollback,
        renew_statements: role.renew,
        default_ttl: role.defaultTtl,
        max_ttl: role.maxTtl,
        credential_type: role.credentialType,
      },
    };
  };

  const readStaticRole = async (name: string, now: number) => {
    const role = staticRoles.get(name);
    if (!role) return null;
    await state.rotateIfDue(name, role, now);
    return {
      data: {
        db_name: role.dbName,
        username: role.username,
        rotation_period: role.rotationPeriod,
        rotation_statements: role.rotationStatements,
        credential_type: role.credentialType,
        last_vault_rotation: new Date(role.lastRotation).toISOString(),
      },
    };
  };

  return [
    { pattern: 'config', handlers: { list: () => listOf(configs.keys()) } },
    {
      pattern: 'config/:name',
      exists: (_req, p) => configs.has(p.name!),
      handlers: {
        read: (_req, p) => readConfig(p.name!),
        create: (req, p) => writeConfig(req, p.name!),
        update: (req, p) => writeConfig(req, p.name!),
        delete: async (_req, p) => {
          configs.delete(p.name!);
          await state.closeConnection(p.name!);
          return null;
        },
      },
    },
    { pattern: 'roles', handlers: { list: () => listOf(roles.keys()) } },
    {
      pattern: 'roles/:name',
      exists: (_req, p) => roles.has(p.name!),
      handlers: {
        read: (_req, p) => readRole(p.name!),
        create: (req, p) => writeRole(req, p.name!),
        update: (req, p) => writeRole(req, p.name!),
        delete: (_req, p) => {
          roles.delete(p.name!);
          return null;
        },
      },
    },
    { pattern: 'static-roles', handlers: { list: () => listOf(staticRoles.keys()) } },
    {
      pattern: 'static-roles/:name',
      exists: (_req, p) => staticRoles.has(p.name!),
      handlers: {
        read: (req, p) => readStaticRole(p.name!, req.now),
        create: (req, p) => writeStaticRole(req, p.name!),
        update: (req, p) => writeStaticRole(req, p.name!),
        delete: (_req, p) => {
          // Vault stops managing the account; the database user stays (revoke_user_on_delete=false).
          staticRoles.delete(p.name!);
          return null;
        },
      },
    },
  ];
}
