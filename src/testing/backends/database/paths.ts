import { field } from '../../core/fields';
import { type DeclaredRoute, defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest } from '../../core/types';
import { badRequest, VaultError } from '../../core/vault-error';
import { type CredentialConfig, credentialConfig, storedConfig } from './credential-config';
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

/** database/config/:name (path_config_connection.go); the connection's own details arrive as arbitrary fields. */
const CONFIG_FIELDS = {
  name: field('string', 'Name of this database connection'),
  plugin_name: field('string', 'The name of a builtin or previously registered plugin known to vault.'),
  plugin_version: field('string', 'The version of the plugin to use.'),
  verify_connection: field(
    'bool',
    'If true, the connection details are verified by actually connecting.',
    true,
  ),
  allowed_roles: field(
    'commaStringSlice',
    'Comma separated string or array of the role names allowed to get creds.',
  ),
  root_rotation_statements: field('stringSlice', 'Statements to be executed to rotate the root user.'),
  password_policy: field('string', 'Password policy to use when generating passwords.'),
} as const;

const STATEMENTS = 'SQL statements, a list or one string (which may hold several statements).';
const CREDENTIAL_FIELDS = {
  credential_type: field('string', 'The type of credential to manage.', 'password'),
  credential_config: field('kvPairs', 'The configuration for the given credential_type.'),
} as const;

/** database/roles/:name (path_roles.go). */
const ROLE_FIELDS = {
  name: field('string', 'Name of the role.'),
  db_name: field('string', 'Name of the database this role acts on.'),
  creation_statements: field('stringSlice', STATEMENTS),
  revocation_statements: field('stringSlice', STATEMENTS),
  renew_statements: field('stringSlice', STATEMENTS),
  rollback_statements: field('stringSlice', STATEMENTS),
  default_ttl: field('duration', 'Default ttl for role.'),
  max_ttl: field('duration', 'Maximum time a credential is valid for'),
  ...CREDENTIAL_FIELDS,
} as const;

/** database/static-roles/:name (path_roles.go). */
const STATIC_ROLE_FIELDS = {
  name: field('string', 'Name of the role.'),
  db_name: field('string', 'Name of the database this role acts on.'),
  username: field('string', 'Name of the static user account for Vault to manage.'),
  rotation_period: field('duration', 'Period for automatic credential rotation of the given username.'),
  rotation_statements: field('stringSlice', STATEMENTS),
  ...CREDENTIAL_FIELDS,
} as const;

/**
 * setCredentialConfig on a role write: the config given, or none (an update without it, which
 * resets a key or certificate config to its defaults, as Vault does); a password config left
 * empty keeps the previous one, since Vault only stores a non-empty configMap.
 */
function roleCredentialConfig(
  type: CredentialType,
  given: Record<string, string> | undefined,
  previous: CredentialConfig | undefined,
): CredentialConfig {
  let config: CredentialConfig;
  try {
    config = credentialConfig(type, given ?? {});
  } catch (error) {
    throw badRequest(`credential_config validation failed: ${(error as Error).message}`);
  }
  if (config.type === 'password' && storedConfig(config) === undefined && previous?.type === 'password') {
    return previous;
  }
  return config;
}

const withStoredConfig = (config: CredentialConfig) => {
  const stored = storedConfig(config);
  return stored ? { credential_config: stored } : {};
};

function credentialType(value: string): CredentialType {
  if (value === 'password' || value === 'rsa_private_key' || value === 'client_certificate') return value;
  throw badRequest(`invalid credential_type "${value}"`);
}

const listOf = (keys: Iterable<string>) => ({ data: { keys: [...keys].sort() } });

/** `config/:name`, `roles/:name` and `static-roles/:name` (openbao/openbao:internal/builtin/logical/database). */
export function configAndRoleRoutes(state: DatabaseState): DeclaredRoute[] {
  const { configs, roles, staticRoles } = state;

  const writeConfig = async (
    req: BackendRequest,
    name: string,
    { fields, has }: RouteInput<typeof CONFIG_FIELDS>,
  ) => {
    const create = req.operation === 'create';
    const previous = configs.get(name);
    const pluginName = has('plugin_name') ? fields.plugin_name : create ? '' : (previous?.pluginName ?? '');
    if (pluginName === '') throw badRequest('empty plugin name');
    const details: Record<string, unknown> = create ? {} : { ...previous?.connectionDetails };
    for (const [key, value] of Object.entries(req.data))
      if (!RESERVED_CONFIG_KEYS.includes(key)) details[key] = value;
    const config: ConnectionConfig = {
      pluginName,
      pluginVersion: has('plugin_version') ? fields.plugin_version : (previous?.pluginVersion ?? ''),
      connectionDetails: details,
      allowedRoles: has('allowed_roles')
        ? fields.allowed_roles.map((r) => r.trim()).filter((r) => r !== '')
        : create
          ? []
          : (previous?.allowedRoles ?? []),
      rootRotationStatements: has('root_rotation_statements')
        ? fields.root_rotation_statements
        : create
          ? []
          : (previous?.rootRotationStatements ?? []),
      passwordPolicy: has('password_policy') ? fields.password_policy : (previous?.passwordPolicy ?? ''),
      verifyConnection: fields.verify_connection,
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

  const writeRole = (req: BackendRequest, name: string, { fields, has }: RouteInput<typeof ROLE_FIELDS>) => {
    if (staticRoles.has(name)) throw badRequest('Role and Static Role names must be unique');
    const create = req.operation === 'create' || !roles.has(name);
    const previous = roles.get(name);
    const dbName = has('db_name') ? fields.db_name : (previous?.dbName ?? '');
    if (dbName === '') throw badRequest('database name is required');
    type StatementField =
      | 'creation_statements'
      | 'revocation_statements'
      | 'rollback_statements'
      | 'renew_statements';
    const keep = (key: StatementField, old: string[] | undefined) =>
      has(key) ? fields[key] : create ? [] : (old ?? []);
    const ttl = (key: 'default_ttl' | 'max_ttl', old: number | undefined) =>
      has(key) ? fields[key] : create ? 0 : (old ?? 0);
    const type = credentialType(
      has('credential_type') ? fields.credential_type : (previous?.credentialType ?? 'password'),
    );
    roles.set(name, {
      dbName,
      credentialType: type,
      credentialConfig: roleCredentialConfig(
        type,
        has('credential_config') ? fields.credential_config : undefined,
        previous?.credentialConfig,
      ),
      creation: keep('creation_statements', previous?.creation),
      revocation: keep('revocation_statements', previous?.revocation).filter((s) => s !== ''),
      rollback: keep('rollback_statements', previous?.rollback),
      renew: keep('renew_statements', previous?.renew),
      defaultTtl: ttl('default_ttl', previous?.defaultTtl),
      maxTtl: ttl('max_ttl', previous?.maxTtl),
    });
    return null;
  };

  const writeStaticRole = async (
    req: BackendRequest,
    name: string,
    { fields, has }: RouteInput<typeof STATIC_ROLE_FIELDS>,
  ) => {
    if (roles.has(name)) throw badRequest('Role and Static Role names must be unique');
    const previous = staticRoles.get(name);
    const create = previous === undefined;
    const dbName = has('db_name') ? fields.db_name : (previous?.dbName ?? '');
    if (dbName === '') throw badRequest('database name is a required field');
    // Vault reads username on every write, so an update that leaves it out is refused too.
    const username = fields.username;
    if (username === '' && create)
      throw badRequest('username is a required field to create a static account');
    if (previous && previous.username !== username) throw badRequest('cannot update static account username');
    if (!has('rotation_period') && create) {
      throw badRequest('rotation_period is required to create static accounts');
    }
    const rotationPeriod = has('rotation_period') ? fields.rotation_period : (previous?.rotationPeriod ?? 0);
    if (has('rotation_period') && rotationPeriod < 5) {
      throw badRequest('rotation_period must be 5 seconds or more');
    }
    const role: StaticRole = {
      dbName,
      username,
      password: previous?.password ?? '',
      rotationPeriod,
      rotationStatements: has('rotation_statements')
        ? fields.rotation_statements
        : (previous?.rotationStatements ?? []),
      credentialType: credentialType(
        has('credential_type') ? fields.credential_type : (previous?.credentialType ?? 'password'),
      ),
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
        ...withStoredConfig(role.credentialConfig),
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
    defineRoute({ pattern: 'config', handlers: { list: () => listOf(configs.keys()) } }),
    defineRoute({
      pattern: 'config/:name',
      fields: CONFIG_FIELDS,
      // The connection's own settings (connection_url, username, password, ...) are passed through.
      takesArbitraryInput: true,
      exists: (_req, { params }) => configs.has(params.name),
      handlers: {
        read: (_req, { params }) => readConfig(params.name),
        create: (req, input) => writeConfig(req, input.params.name, input),
        update: (req, input) => writeConfig(req, input.params.name, input),
        delete: async (_req, { params }) => {
          configs.delete(params.name);
          await state.closeConnection(params.name);
          return null;
        },
      },
    }),
    defineRoute({ pattern: 'roles', handlers: { list: () => listOf(roles.keys()) } }),
    defineRoute({
      pattern: 'roles/:name',
      fields: ROLE_FIELDS,
      exists: (_req, { params }) => roles.has(params.name),
      handlers: {
        read: (_req, { params }) => readRole(params.name),
        create: (req, input) => writeRole(req, input.params.name, input),
        update: (req, input) => writeRole(req, input.params.name, input),
        delete: (_req, { params }) => {
          roles.delete(params.name);
          return null;
        },
      },
    }),
    defineRoute({ pattern: 'static-roles', handlers: { list: () => listOf(staticRoles.keys()) } }),
    defineRoute({
      pattern: 'static-roles/:name',
      fields: STATIC_ROLE_FIELDS,
      exists: (_req, { params }) => staticRoles.has(params.name),
      handlers: {
        read: (req, { params }) => readStaticRole(params.name, req.now),
        create: (req, input) => writeStaticRole(req, input.params.name, input),
        update: (req, input) => writeStaticRole(req, input.params.name, input),
        delete: (_req, { params }) => {
          // Vault stops managing the account; the database user stays (revoke_user_on_delete=false).
          staticRoles.delete(params.name);
          return null;
        },
      },
    }),
  ];
}
