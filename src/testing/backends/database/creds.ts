import { calculateTtl, SYSTEM_MAX_TTL } from '../../core/durations';
import { field } from '../../core/fields';
import { type DeclaredRoute, defineRoute } from '../../core/routes';
import type { BackendRequest } from '../../core/types';
import { badRequest, VaultError } from '../../core/vault-error';
import type { LeaseEntry } from '../../store/leases';
import { globListContains } from '../glob';
import { type GeneratedCredential, generateCredential } from './credentials';
import { supportsCredentialType } from './plugins/catalog';
import type { ConnectionConfig, DatabaseState } from './state';

/** Vault adds this to a dynamic user's VALID UNTIL so the database never drops it before the lease ends. */
const VALID_UNTIL_MARGIN_MS = 5_000;

/** `DatabaseConfig()` in backend.go: a plain Go error, so the core answers 500 in its multierror form. */
export function configFor(state: DatabaseState, dbName: string): ConnectionConfig {
  const config = state.configs.get(dbName);
  if (!config) throw VaultError.wrapped(500, `failed to find entry for connection with name: "${dbName}"`);
  return config;
}

/** Also a plain error in Vault (path_creds_create.go), hence 500 rather than 403. */
export function allowedRoleCheck(config: ConnectionConfig, role: string): void {
  if (!config.allowedRoles.includes('*') && !globListContains(config.allowedRoles, role)) {
    throw VaultError.wrapped(500, `"${role}" is not an allowed role`);
  }
}

/** A plugin's failure reaches the client as the plain Go error it is: 500, multierror form. */
function pluginFailure(error: unknown): VaultError {
  if (error instanceof VaultError) return error;
  return VaultError.wrapped(500, (error as Error).message);
}

function mountTtls(state: DatabaseState) {
  return {
    mountDefaultTtl: state.mount.defaultLeaseTtl || SYSTEM_MAX_TTL,
    mountMaxTtl: state.mount.maxLeaseTtl || SYSTEM_MAX_TTL,
  };
}

/** `creds/:name`, `static-creds/:name`, `rotate-role/:name`, `rotate-root/:name`, `reset/:name`. */
export function credentialRoutes(state: DatabaseState): DeclaredRoute[] {
  const creds = async (req: BackendRequest, name: string) => {
    const role = state.roles.get(name);
    if (!role) throw badRequest(`unknown role: ${name}`);
    const config = configFor(state, role.dbName);
    allowedRoleCheck(config, name);
    // Vault's SQL plugins take passwords only; the in-memory plugin every credential type.
    if (!supportsCredentialType(config.pluginName, role.credentialType))
      throw badRequest(`unsupported credential_type: "${role.credentialType}"`);
    const plugin = await state.connection(role.dbName, config).catch((error) => {
      throw pluginFailure(error);
    });
    // The core's registration step: role TTLs, capped by the mount, with Vault's warning.
    const { ttl, warnings } = calculateTtl({
      increment: 0,
      backendTtl: role.defaultTtl,
      period: 0,
      backendMaxTtl: role.maxTtl,
      explicitMaxTtl: 0,
      issuedAt: req.now,
      now: req.now,
      ...mountTtls(state),
    });
    const validUntil = req.now + ttl * 1000 + VALID_UNTIL_MARGIN_MS;
    const metadata = { DisplayName: req.token?.displayName ?? '', RoleName: name };
    const settings = role.credentialConfig;
    let credential: GeneratedCredential;
    if (settings.type === 'password') {
      const password = state.passwordFor(role.dbName);
      credential = { request: { password }, data: { password } };
    } else {
      try {
        credential = generateCredential(settings, metadata, req.now, validUntil);
      } catch (error) {
        throw VaultError.wrapped(500, (error as Error).message);
      }
    }
    const password = credential.request.password;
    let username: string;
    try {
      username = await plugin.newUser({
        metadata,
        ...credential.request,
        expiresAt: validUntil,
        statements: role.creation,
        rollback: role.rollback,
        now: req.now,
      });
    } catch (error) {
      throw pluginFailure(error);
    }
    state.users.set(username, {
      username,
      password,
      kind: 'dynamic',
      role: name,
      dbName: role.dbName,
      mount: state.mount.path,
      createdAt: req.now,
      validUntil,
      leaseId: null,
      live: true,
      revokedAt: null,
      endedBy: null,
      error: null,
      revokeAttempts: 0,
    });
    if (state.external(role.dbName)) {
      // Vault's expiration manager drops the user when the lease (or its token) ends.
      state.wakeAt(req.now + ttl * 1000);
      if (req.token?.expiresAt) state.wakeAt(req.token.expiresAt);
    }
    return {
      data: { ...credential.data, username },
      warnings,
      secret: {
        ttl,
        renewable: true,
        internal: { username, role: name, db_name: role.dbName, revocation_statements: role.revocation },
      },
    };
  };

  const staticCreds = async (req: BackendRequest, name: string) => {
    const role = state.staticRoles.get(name);
    if (!role) throw badRequest(`unknown role: ${name}`);
    allowedRoleCheck(configFor(state, role.dbName), name);
    await state.rotateIfDue(name, role, req.now);
    const next = role.lastRotation + role.rotationPeriod * 1000;
    return {
      data: {
        username: role.username,
        password: role.password,
        last_vault_rotation: new Date(role.lastRotation).toISOString(),
        rotation_period: role.rotationPeriod,
        ttl: Math.max(0, Math.round((next - req.now) / 1000)),
      },
    };
  };

  const rotateFailure = (cause: string) =>
    VaultError.wrapped(
      500,
      `unable to finish rotating credentials; retries will continue in the background but it is also safe to retry manually: ${cause}`,
    );

  const rotateRole = async (req: BackendRequest, name: string) => {
    const role = state.staticRoles.get(name);
    if (!role) throw badRequest('no static role found for role name');
    try {
      allowedRoleCheck(configFor(state, role.dbName), name);
    } catch (error) {
      const cause =
        error instanceof VaultError ? error.messages[0]!.replace(/^1 error occurred:\n\t\* |\n\n$/g, '') : '';
      throw rotateFailure(cause);
    }
    try {
      await state.setPassword(name, role, req.now);
    } catch (error) {
      throw rotateFailure(`error setting credentials: ${(error as Error).message}`);
    }
    return null;
  };

  /** Sets a new root password in the database, then keeps it (write-only: reads never show it). */
  const rotateRoot = async (_req: BackendRequest, name: string) => {
    const config = configFor(state, name);
    const username = String(config.connectionDetails.username ?? '');
    if (!username) {
      throw VaultError.wrapped(500, 'unable to rotate root credentials: no username in configuration');
    }
    if (!config.connectionDetails.password) {
      throw VaultError.wrapped(500, 'unable to rotate root credentials: no password in configuration');
    }
    const password = state.passwordFor(name);
    try {
      const plugin = await state.connection(name, config);
      await plugin.changePassword(username, password, config.rootRotationStatements);
    } catch (error) {
      throw VaultError.wrapped(500, `failed to update user: ${(error as Error).message}`);
    }
    config.connectionDetails.password = password;
    // Later connections log in with the new password.
    await state.closeConnection(name);
    return null;
  };

  /** Closes the plugin's connections and opens them again from the stored config. */
  const reset = async (_req: BackendRequest, name: string) => {
    const config = state.configs.get(name);
    await state.closeConnection(name);
    if (config)
      await state.connection(name, config).catch((error) => {
        throw pluginFailure(error);
      });
    return null;
  };

  const NAME = { name: field('string', 'Name of the role or connection.') } as const;
  return [
    defineRoute({
      pattern: 'creds/:name',
      fields: NAME,
      handlers: { read: (req, { params }) => creds(req, params.name) },
    }),
    defineRoute({
      pattern: 'static-creds/:name',
      fields: NAME,
      handlers: { read: (req, { params }) => staticCreds(req, params.name) },
    }),
    defineRoute({
      pattern: 'rotate-role/:name',
      fields: NAME,
      handlers: { update: (req, { params }) => rotateRole(req, params.name) },
    }),
    defineRoute({
      pattern: 'rotate-root/:name',
      fields: NAME,
      handlers: { update: (req, { params }) => rotateRoot(req, params.name) },
    }),
    defineRoute({
      pattern: 'reset/:name',
      fields: NAME,
      handlers: { update: (req, { params }) => reset(req, params.name) },
    }),
  ];
}

/**
 * `secretCredsRenew` (secret_creds.go): re-reads the role, then the expiration manager applies
 * CalculateTTL with the role's TTLs from the lease's issue time, and the plugin moves the
 * database's expiry (PostgreSQL's VALID UNTIL) to the new end plus 5 s. Errors reach the client
 * through `failed to renew entry: resp: (*logical.Response)(nil) err: ...` as sys/leases words them.
 */
export function renewCredentials(
  state: DatabaseState,
  lease: LeaseEntry,
  increment: number,
  req: BackendRequest,
): { ttl: number; warnings: string[] } | Promise<{ ttl: number; warnings: string[] }> {
  const roleName = String(lease.internal.role ?? '');
  const renewError = (message: string) =>
    new VaultError(400, `failed to renew entry: resp: (*logical.Response)(nil) err: ${message}`);
  const role = state.roles.get(roleName);
  if (!role) throw renewError(`error during renew: could not find role with name "${roleName}"`);
  let result: { ttl: number; warnings: string[] };
  try {
    result = calculateTtl({
      increment,
      backendTtl: role.defaultTtl,
      period: 0,
      backendMaxTtl: role.maxTtl,
      explicitMaxTtl: 0,
      issuedAt: lease.issuedAt,
      now: req.now,
      ...mountTtls(state),
    });
  } catch (error) {
    if (error instanceof VaultError) throw renewError(error.messages[0] ?? '');
    throw error;
  }
  const username = String(lease.internal.username ?? '');
  const validUntil = req.now + result.ttl * 1000 + VALID_UNTIL_MARGIN_MS;
  const record = () => {
    const user = state.users.get(username);
    if (user?.live) user.validUntil = validUntil;
    return result;
  };
  const config = state.configs.get(role.dbName);
  if (!config || !state.external(role.dbName) || result.ttl <= 0) return record();
  return (async () => {
    try {
      const plugin = await state.connection(role.dbName, config);
      await plugin.changeExpiration(username, validUntil, role.renew);
    } catch (error) {
      throw renewError((error as Error).message);
    }
    state.wakeAt(req.now + result.ttl * 1000);
    return record();
  })();
}
