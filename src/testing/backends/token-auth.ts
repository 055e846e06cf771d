import type { Backend } from '../core/backend';
import { calculateTtl, SYSTEM_MAX_TTL } from '../core/durations';
import { authBlock } from '../core/envelope';
import { batchToken, serviceToken } from '../core/ids';
import type { BackendRequest, MountInfo } from '../core/types';
import type { VaultCore } from '../core/vault-core';
import { badRequest, VaultError } from '../core/vault-error';
import type { TokenEntry } from '../store/tokens';
import { bool, duration, int, list, rfc3339, str } from './fields';

/** The token store at `auth/token/`: self-service lookup, renew and revoke, and token creation. */
export function tokenBackend(core: VaultCore, mount: MountInfo): Backend {
  const self = (req: BackendRequest): TokenEntry => {
    if (!req.token) throw new VaultError(403, 'permission denied');
    return req.token;
  };
  const byId = (req: BackendRequest): TokenEntry => {
    const token = core.tokens.get(str(req.data, 'token'));
    if (!token) throw badRequest('token not found');
    return token;
  };
  const byAccessor = (req: BackendRequest): TokenEntry => {
    const token = core.tokens.byAccessor(str(req.data, 'accessor'));
    if (!token) throw badRequest('invalid accessor');
    return token;
  };

  const renew = (req: BackendRequest, token: TokenEntry) => {
    if (token.type === 'batch') throw badRequest('batch tokens cannot be renewed');
    if (token.expiresAt === null) throw badRequest('invalid lease ID');
    if (!token.renewable) throw badRequest('lease is not renewable');
    const increment = duration(req.data, 'increment');
    const owner = core.mounts.get(token.mountPath);
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

  const lookup = (token: TokenEntry, now: number, showId: boolean) => ({
    data: {
      accessor: token.accessor,
      creation_time: Math.floor(token.issuedAt / 1000),
      creation_ttl: token.creationTtl,
      display_name: token.displayName,
      entity_id: token.entityId,
      expire_time: token.expiresAt === null ? null : rfc3339(token.expiresAt),
      explicit_max_ttl: token.explicitMaxTtl,
      id: showId ? token.id : '',
      issue_time: rfc3339(token.issuedAt),
      meta: token.meta,
      num_uses: token.numUses,
      orphan: token.orphan,
      path: token.path,
      policies: token.policies,
      renewable: token.renewable,
      ttl: token.expiresAt === null ? 0 : Math.max(0, Math.floor((token.expiresAt - now) / 1000)),
      type: token.type,
      ...(token.period > 0 ? { period: token.period } : {}),
      ...(token.lastRenewal !== null
        ? {
            last_renewal_time: Math.floor(token.lastRenewal / 1000),
            last_renewal: rfc3339(token.lastRenewal),
          }
        : {}),
    },
  });

  const revoke = async (token: TokenEntry) => {
    if (token.type === 'batch') throw badRequest('batch tokens cannot be revoked');
    await core.revokeToken(token);
    return null;
  };

  const create = (req: BackendRequest, orphan: boolean) => {
    const parent = self(req);
    const policies = list(req.data, 'policies') ?? parent.policies;
    if (!parent.policies.includes('root') && policies.some((p) => !parent.policies.includes(p))) {
      throw badRequest('child policies must be subset of parent');
    }
    const noDefault = bool(req.data, 'no_default_policy', false);
    const all = [
      ...new Set([...policies, ...(noDefault || policies.includes('root') ? [] : ['default'])]),
    ].sort();
    const ttl = duration(req.data, 'ttl');
    const period = duration(req.data, 'period');
    const explicitMaxTtl = duration(req.data, 'explicit_max_ttl');
    const now = req.now;
    const effective = period || ttl || (all.includes('root') && ttl === 0 ? 0 : SYSTEM_MAX_TTL);
    const type = str(req.data, 'type', 'service') === 'batch' ? 'batch' : 'service';
    const token = core.tokens.create({
      id: str(req.data, 'id') || (type === 'batch' ? batchToken() : serviceToken()),
      policies: all,
      meta: (req.data.meta as Record<string, string> | undefined) ?? null,
      path: orphan ? 'auth/token/create-orphan' : 'auth/token/create',
      mountPath: mount.path,
      displayName: `token${str(req.data, 'display_name') ? `-${str(req.data, 'display_name')}` : ''}`,
      issuedAt: now,
      creationTtl: effective,
      explicitMaxTtl,
      maxTtl: 0,
      period,
      expiresAt: effective === 0 ? null : now + effective * 1000,
      renewable: type === 'batch' ? false : bool(req.data, 'renewable', true),
      type,
      orphan: orphan || bool(req.data, 'no_parent', false),
      numUses: int(req.data, 'num_uses', 0),
      role: '',
    });
    return { data: null, authBlock: authBlock(token) };
  };

  return {
    routes: [
      {
        pattern: 'lookup-self',
        fields: ['token'],
        handlers: { read: (req) => lookup(self(req), req.now, true) },
      },
      {
        pattern: 'renew-self',
        fields: ['token', 'increment'],
        handlers: { update: (req) => renew(req, self(req)) },
      },
      { pattern: 'revoke-self', handlers: { update: (req) => revoke(self(req)) } },
      { pattern: 'lookup', handlers: { update: (req) => lookup(byId(req), req.now, true) } },
      { pattern: 'lookup-accessor', handlers: { update: (req) => lookup(byAccessor(req), req.now, false) } },
      { pattern: 'renew', handlers: { update: (req) => renew(req, byId(req)) } },
      { pattern: 'renew-accessor', handlers: { update: (req) => renew(req, byAccessor(req)) } },
      { pattern: 'revoke', handlers: { update: (req) => revoke(byId(req)) } },
      { pattern: 'revoke-accessor', handlers: { update: (req) => revoke(byAccessor(req)) } },
      { pattern: 'create', handlers: { update: (req) => create(req, false) } },
      { pattern: 'create-orphan', handlers: { update: (req) => create(req, true) } },
    ],
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
