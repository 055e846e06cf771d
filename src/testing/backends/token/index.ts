import type { Backend } from '../../core/backend';
import { calculateTtl, SYSTEM_MAX_TTL } from '../../core/durations';
import { authBlock } from '../../core/envelope';
import { field } from '../../core/fields';
import { within } from '../../core/namespaces';
import { defineRoute } from '../../core/routes';
import type { BackendRequest, MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest, VaultError } from '../../core/vault-error';
import type { TokenEntry } from '../../store/tokens';
import { CREATE_FIELDS, CREATE_WITH_ROLE_FIELDS, createToken } from './create';
import { lookupView } from './lookup';
import { ROLE_FIELDS, type TokenRole, tokenRoleView, writeTokenRole } from './roles';

const TOKEN_FIELD = { token: field('string', 'Token to look up, renew or revoke (request body)') } as const;
const ACCESSOR_FIELD = { accessor: field('string', 'Accessor of the token (request body)') } as const;
const INCREMENT_FIELD = {
  increment: field('duration', 'The desired increment in seconds to the token expiration', 0),
} as const;

/**
 * The token store at `auth/token/` (vault/token_store.go): token creation (plain, orphan, against
 * a role), lookup, renewal and revocation by token, by accessor or of the caller itself, the
 * accessor list, and token roles. Revoking a token revokes the tree of tokens it created.
 */
export function tokenBackend(core: VaultCore, mount: MountInfo): Backend {
  const roles = new Map<string, TokenRole>();
  const self = (req: BackendRequest): TokenEntry => {
    if (!req.token) throw new VaultError(403, 'permission denied');
    return req.token;
  };
  /** A namespace's token store sees the tokens of that namespace and of those under it. */
  const visible = (req: BackendRequest, token: TokenEntry | undefined) =>
    token && within(core.namespaceOf(token), req.namespace) ? token : undefined;
  const byId = (req: BackendRequest, id: string) => visible(req, core.tokens.get(id));
  // lookupByAccessor's failures are Go errors (StatusBadRequest), which the core wraps.
  const byAccessor = (req: BackendRequest, accessor: string): TokenEntry => {
    if (accessor === '') throw VaultError.wrapped(400, 'missing accessor');
    const token = visible(req, core.tokens.byAccessor(accessor));
    if (!token) throw VaultError.wrapped(400, 'invalid accessor');
    return token;
  };
  const missingId = () => badRequest('missing token ID');

  /** handleRenew and ExpirationManager.RenewToken. */
  const renew = (req: BackendRequest, increment: number, token: TokenEntry | undefined) => {
    if (!token) throw badRequest('token not found');
    if (token.type === 'batch') throw badRequest('batch tokens cannot be renewed');
    if (token.expiresAt === null) throw badRequest('invalid lease ID');
    if (!token.renewable) throw badRequest('lease is not renewable');
    const owner = core.mountOf(token);
    // Errors past this point are plain Go errors in Vault's expiration manager, so the core
    // wraps them (500, multierror); the auth method's own failure is prefixed by renewAuthEntry.
    const limits = asInternal(
      () =>
        owner?.backend.renewToken
          ? owner.backend.renewToken(token, owner.info)
          : { ttl: token.creationTtl, maxTtl: token.maxTtl, period: token.period },
      'failed to renew entry: ',
    );
    // ExpirationManager.RenewToken: a method that answers nothing renews nothing (204).
    if (limits === null) return null;
    const info = owner?.info ?? mount;
    const { ttl, warnings } = asInternal(() =>
      calculateTtl({
        increment,
        backendTtl: limits.ttl,
        period: limits.period,
        backendMaxTtl: limits.maxTtl,
        explicitMaxTtl: token.explicitMaxTtl,
        issuedAt: token.issuedAt,
        now: req.now,
        mountDefaultTtl: info.defaultLeaseTtl || SYSTEM_MAX_TTL,
        mountMaxTtl: info.maxLeaseTtl || SYSTEM_MAX_TTL,
      }),
    );
    token.period = limits.period;
    token.expiresAt = req.now + ttl * 1000;
    token.lastRenewal = req.now;
    return { data: null, warnings, authBlock: authBlock(token) };
  };

  /** revokeCommon: an unknown token is already as revoked as it gets (204). */
  const revoke = async (token: TokenEntry | undefined) => {
    if (!token) return null;
    if (token.type === 'batch') throw badRequest('batch tokens cannot be revoked');
    await core.revokeToken(token);
    return null;
  };

  const lookup = (req: BackendRequest, id: string, showId = true) => {
    const token = visible(req, core.tokens.getTainted(id));
    if (!token) throw new VaultError(403, 'bad token');
    return { data: lookupView(token, req.now, showId) };
  };

  return {
    // PathsSpecial.Root: listing accessors and revoking as orphan need sudo as well.
    rootPaths: ['revoke-orphan/*', 'accessors*'],
    routes: [
      defineRoute({
        pattern: 'roles',
        handlers: { list: () => ({ data: { keys: [...roles.keys()].sort() } }) },
      }),
      defineRoute({
        pattern: 'accessors',
        handlers: {
          list: (req) => ({
            data: {
              keys: core.tokens
                .all()
                .flatMap((token) =>
                  token.accessor && token.namespaceId === req.namespace.id ? [token.accessor] : [],
                ),
            },
          }),
        },
      }),
      defineRoute({
        pattern: 'create-orphan',
        fields: CREATE_FIELDS,
        handlers: {
          update: (req, input) => createToken(core, { req, input, orphan: true, role: undefined, mount }),
        },
      }),
      defineRoute({
        pattern: 'create/:role_name',
        fields: CREATE_WITH_ROLE_FIELDS,
        handlers: {
          update: (req, input) => {
            const name = input.fields.role_name;
            const role = roles.get(name);
            if (!role) throw badRequest(`unknown role ${name}`);
            return createToken(core, { req, input, orphan: false, role, mount });
          },
        },
      }),
      defineRoute({
        pattern: 'create',
        fields: CREATE_FIELDS,
        handlers: {
          update: (req, input) => createToken(core, { req, input, orphan: false, role: undefined, mount }),
        },
      }),
      defineRoute({
        pattern: 'lookup',
        fields: TOKEN_FIELD,
        handlers: {
          // An empty token looks up the caller's own (handleLookup).
          read: (req, { fields }) => lookup(req, fields.token || self(req).id),
          update: (req, { fields }) => lookup(req, fields.token || self(req).id),
        },
      }),
      defineRoute({
        pattern: 'lookup-accessor',
        fields: ACCESSOR_FIELD,
        handlers: { update: (req, { fields }) => lookup(req, byAccessor(req, fields.accessor).id, false) },
      }),
      defineRoute({
        pattern: 'lookup-self',
        fields: TOKEN_FIELD,
        handlers: {
          read: (req) => lookup(req, self(req).id),
          update: (req) => lookup(req, self(req).id),
        },
      }),
      defineRoute({
        pattern: 'revoke-accessor',
        fields: ACCESSOR_FIELD,
        handlers: { update: (req, { fields }) => revoke(byAccessor(req, fields.accessor)) },
      }),
      defineRoute({ pattern: 'revoke-self', handlers: { update: (req) => revoke(self(req)) } }),
      defineRoute({
        pattern: 'revoke',
        fields: TOKEN_FIELD,
        handlers: {
          update: (req, { fields }) => {
            if (fields.token === '') throw missingId();
            return revoke(byId(req, fields.token));
          },
        },
      }),
      defineRoute({
        pattern: 'revoke-orphan',
        fields: TOKEN_FIELD,
        handlers: {
          update: async (req, { fields }) => {
            if (fields.token === '') throw missingId();
            if (!core.hasSudo(self(req), req)) {
              throw badRequest('root or sudo privileges required to revoke and orphan');
            }
            const token = byId(req, fields.token);
            if (!token) throw badRequest('token to revoke not found');
            if (token.type === 'batch') throw badRequest('batch tokens cannot be revoked');
            await core.revokeOrphan(token);
            return null;
          },
        },
      }),
      defineRoute({
        pattern: 'renew-accessor',
        fields: { ...ACCESSOR_FIELD, ...INCREMENT_FIELD },
        handlers: {
          update: (req, { fields }) => renew(req, fields.increment, byAccessor(req, fields.accessor)),
        },
      }),
      defineRoute({
        pattern: 'renew-self',
        fields: { ...TOKEN_FIELD, ...INCREMENT_FIELD },
        handlers: {
          update: (req, { fields }) => renew(req, fields.increment, core.tokens.get(self(req).id)),
        },
      }),
      defineRoute({
        pattern: 'renew',
        fields: { ...TOKEN_FIELD, ...INCREMENT_FIELD },
        handlers: {
          update: (req, { fields }) => {
            if (fields.token === '') throw missingId();
            return renew(req, fields.increment, byId(req, fields.token));
          },
        },
      }),
      defineRoute({
        pattern: 'roles/:role_name',
        fields: ROLE_FIELDS,
        exists: (_req, { fields }) => {
          if (fields.role_name === '') throw VaultError.wrapped(500, 'role name cannot be empty');
          return roles.has(fields.role_name);
        },
        handlers: {
          read: (_req, { fields }) => {
            const role = roles.get(fields.role_name);
            return role ? { data: tokenRoleView(role) } : null;
          },
          update: (req, input) => {
            const { role, warnings } = writeTokenRole(
              input,
              roles.get(input.fields.role_name),
              req.operation,
              mount.maxLeaseTtl || SYSTEM_MAX_TTL,
            );
            roles.set(role.name, role);
            return warnings.length > 0 ? { data: null, warnings } : null;
          },
          delete: (_req, { fields }) => {
            roles.delete(fields.role_name);
            return null;
          },
        },
      }),
    ],
    // authRenew: a role's token takes the role's current period and explicit max TTL.
    renewToken: (token) => {
      if (token.role === '') return { ttl: token.creationTtl, maxTtl: token.maxTtl, period: token.period };
      const role = roles.get(token.role);
      if (!role)
        throw new VaultError(500, `original token role "${token.role}" could not be found, not renewing`);
      return { ttl: token.creationTtl, maxTtl: token.maxTtl, period: role.tokenPeriod || role.period };
    },
  };
}

function asInternal<T>(run: () => T, prefix = ''): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof VaultError) throw VaultError.wrapped(500, `${prefix}${error.messages[0] ?? ''}`);
    throw error;
  }
}
