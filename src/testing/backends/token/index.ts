import type { Backend } from '../../core/backend';
import { calculateTtl, SYSTEM_MAX_TTL } from '../../core/durations';
import { authBlock } from '../../core/envelope';
import { field } from '../../core/fields';
import { rfc3339 } from '../../core/go-format';
import { parseDurationSecond } from '../../core/go-parse';
import { batchToken, serviceToken } from '../../core/ids';
import { defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest, MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest, VaultError } from '../../core/vault-error';
import type { TokenEntry } from '../../store/tokens';

const TOKEN_FIELD = { token: field('string', 'Token to look up, renew or revoke (request body)') } as const;
const ACCESSOR_FIELD = { accessor: field('string', 'Accessor of the token (request body)') } as const;
const INCREMENT_FIELD = {
  increment: field('duration', 'The desired increment in seconds to the token expiration', 0),
} as const;

/** token_store.go commonFieldsForCreate. The durations are strings the handler parses itself. */
const CREATE_FIELDS = {
  display_name: field('string', 'Name to associate with this token'),
  explicit_max_ttl: field('string', 'Explicit Max TTL of this token'),
  entity_alias: field('string', 'Name of the entity alias to associate with this token'),
  num_uses: field('int', 'Max number of uses for this token'),
  period: field('string', 'Renew period'),
  renewable: field(
    'bool',
    'Allow token to be renewed past its initial TTL up to system/mount maximum TTL',
    true,
  ),
  ttl: field('string', 'Time to live for this token'),
  lease: field('string', "Use 'ttl' instead"),
  type: field('string', 'Token type'),
  no_default_policy: field('bool', 'Do not include default policy for this token'),
  id: field('string', 'Value for the token'),
  meta: field('kvPairs', 'Arbitrary key=value metadata to associate with the token'),
  no_parent: field('bool', 'Create the token with no parent'),
  policies: field('stringSlice', 'List of policies for the token'),
} as const;

type CreateInput = RouteInput<typeof CREATE_FIELDS>;

/** A duration the create handler parses itself (the schema types it as a string). */
function createDuration(text: string, name: string): number {
  try {
    return parseDurationSecond(text);
  } catch (error) {
    throw badRequest(`error parsing ${name}: ${(error as Error).message}`);
  }
}

/** The token store at `auth/token/`: self-service lookup, renew and revoke, and token creation. */
export function tokenBackend(core: VaultCore, mount: MountInfo): Backend {
  const self = (req: BackendRequest): TokenEntry => {
    if (!req.token) throw new VaultError(403, 'permission denied');
    return req.token;
  };
  const byId = (id: string): TokenEntry => {
    const token = core.tokens.get(id);
    if (!token) throw badRequest('token not found');
    return token;
  };
  const byAccessor = (accessor: string): TokenEntry => {
    const token = core.tokens.byAccessor(accessor);
    if (!token) throw badRequest('invalid accessor');
    return token;
  };

  const renew = (req: BackendRequest, increment: number, token: TokenEntry) => {
    if (token.type === 'batch') throw badRequest('batch tokens cannot be renewed');
    if (token.expiresAt === null) throw badRequest('invalid lease ID');
    if (!token.renewable) throw badRequest('lease is not renewable');
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

  const create = (req: BackendRequest, { fields, has }: CreateInput, orphan: boolean) => {
    const parent = self(req);
    const given = fields.policies.filter((p) => p !== '');
    const policies = has('policies') && given.length > 0 ? given : parent.policies;
    if (!parent.policies.includes('root') && policies.some((p) => !parent.policies.includes(p))) {
      throw badRequest('child policies must be subset of parent');
    }
    const noDefault = fields.no_default_policy;
    const all = [
      ...new Set([...policies, ...(noDefault || policies.includes('root') ? [] : ['default'])]),
    ].sort();
    const ttl = createDuration(fields.ttl || fields.lease, 'ttl');
    const period = createDuration(fields.period, 'period');
    const explicitMaxTtl = createDuration(fields.explicit_max_ttl, 'explicit max ttl');
    const now = req.now;
    const effective = period || ttl || (all.includes('root') && ttl === 0 ? 0 : SYSTEM_MAX_TTL);
    const type = fields.type === 'batch' ? 'batch' : 'service';
    const token = core.tokens.create({
      id: fields.id || (type === 'batch' ? batchToken() : serviceToken()),
      policies: all,
      meta: has('meta') ? fields.meta : null,
      path: orphan ? 'auth/token/create-orphan' : 'auth/token/create',
      mountPath: mount.path,
      displayName: `token${fields.display_name ? `-${fields.display_name}` : ''}`,
      issuedAt: now,
      creationTtl: effective,
      explicitMaxTtl,
      maxTtl: 0,
      period,
      expiresAt: effective === 0 ? null : now + effective * 1000,
      renewable: type === 'batch' ? false : fields.renewable,
      type,
      orphan: orphan || fields.no_parent,
      numUses: fields.num_uses,
      role: '',
    });
    return { data: null, authBlock: authBlock(token) };
  };

  return {
    routes: [
      defineRoute({
        pattern: 'lookup-self',
        fields: TOKEN_FIELD,
        handlers: {
          read: (req) => lookup(self(req), req.now, true),
          update: (req) => lookup(self(req), req.now, true),
        },
      }),
      defineRoute({
        pattern: 'renew-self',
        fields: { ...TOKEN_FIELD, ...INCREMENT_FIELD },
        handlers: { update: (req, { fields }) => renew(req, fields.increment, self(req)) },
      }),
      defineRoute({ pattern: 'revoke-self', handlers: { update: (req) => revoke(self(req)) } }),
      defineRoute({
        pattern: 'lookup',
        fields: TOKEN_FIELD,
        handlers: {
          read: (req, { fields }) => lookup(byId(fields.token), req.now, true),
          update: (req, { fields }) => lookup(byId(fields.token), req.now, true),
        },
      }),
      defineRoute({
        pattern: 'lookup-accessor',
        fields: ACCESSOR_FIELD,
        handlers: { update: (req, { fields }) => lookup(byAccessor(fields.accessor), req.now, false) },
      }),
      defineRoute({
        pattern: 'renew',
        fields: { ...TOKEN_FIELD, ...INCREMENT_FIELD },
        handlers: { update: (req, { fields }) => renew(req, fields.increment, byId(fields.token)) },
      }),
      defineRoute({
        pattern: 'renew-accessor',
        fields: { ...ACCESSOR_FIELD, ...INCREMENT_FIELD },
        handlers: { update: (req, { fields }) => renew(req, fields.increment, byAccessor(fields.accessor)) },
      }),
      defineRoute({
        pattern: 'revoke',
        fields: TOKEN_FIELD,
        handlers: { update: (_req, { fields }) => revoke(byId(fields.token)) },
      }),
      defineRoute({
        pattern: 'revoke-accessor',
        fields: ACCESSOR_FIELD,
        handlers: { update: (_req, { fields }) => revoke(byAccessor(fields.accessor)) },
      }),
      defineRoute({
        pattern: 'create',
        fields: CREATE_FIELDS,
        handlers: { update: (req, input) => create(req, input, false) },
      }),
      defineRoute({
        pattern: 'create-orphan',
        fields: CREATE_FIELDS,
        handlers: { update: (req, input) => create(req, input, true) },
      }),
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
