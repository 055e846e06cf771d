import { calculateTtl, SYSTEM_MAX_TTL } from '../../core/durations';
import { authBlock } from '../../core/envelope';
import { field } from '../../core/fields';
import { goQuote } from '../../core/go-format';
import { parseDurationSecond, parseGoDuration } from '../../core/go-parse';
import { ROOT_NAMESPACE_ID } from '../../core/namespaces';
import type { RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult, MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest } from '../../core/vault-error';
import { globMatch } from '../glob';
import { isSubset, NON_ASSIGNABLE_POLICIES, removeDuplicates, sanitizePolicies } from './policies';
import type { TokenRole } from './roles';

/** token_store.go commonFieldsForCreate: the durations are strings the handler parses itself. */
export const CREATE_FIELDS = {
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

export const CREATE_WITH_ROLE_FIELDS = {
  ...CREATE_FIELDS,
  role_name: field('string', 'Name of the role'),
} as const;

export interface CreateRequest {
  req: BackendRequest;
  input: RouteInput<typeof CREATE_FIELDS>;
  /** create-orphan. */
  orphan: boolean;
  role: TokenRole | undefined;
  /** The token store's mount, whose tuning bounds the new token's TTL. */
  mount: Readonly<MountInfo>;
}

/** displayNameSanitize. */
const DISPLAY_NAME_UNSAFE = /[^a-zA-Z0-9-]/g;

/** A duration the create handler parses itself: Vault answers the parser's error as is. */
function durationOf(text: string, parse: (text: string) => number = parseDurationSecond): number {
  try {
    return parse(text);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
}

/**
 * handleCreateCommon (vault/token_store.go), check by check in Vault's order: the parent, the
 * token type, the display name, a custom id, the policies (a subset of the parent's unless the
 * caller has sudo, or the role's allowed set), orphans, explicit max TTL, period, TTL, then the
 * TTL capped by the token store mount's max (768 h unless tuned) as framework.CalculateTTL does.
 */
export function createToken(core: VaultCore, request: CreateRequest): BackendResult {
  const { req, input, orphan, role, mount } = request;
  const { fields, has } = input;
  const parent = req.token ? core.tokens.get(req.token.id) : undefined;
  if (!parent) throw badRequest('parent token lookup failed: no parent found');
  if (parent.type === 'batch') throw badRequest('batch tokens cannot create more tokens');
  if (parent.numUses > 0) throw badRequest('restricted use token cannot generate child tokens');
  const isSudo = core.hasSudo(parent, req);
  // A token made from a parent namespace for a child one: an admin's act (handleCreateCommon).
  const crossNamespace = req.namespace.id !== parent.namespaceId;
  const requested = has('policies') ? fields.policies : [];
  if (crossNamespace) {
    if (!isSudo) {
      throw badRequest('root or sudo privileges required to directly generate a token in a child namespace');
    }
    if (requested.includes('root'))
      throw badRequest('root tokens may not be created from a parent namespace');
  }

  let renewable = fields.renewable;
  let typeName = fields.type;
  if (role) {
    if (role.tokenType === 'default-batch' && typeName === '') typeName = 'batch';
    if (role.tokenType === 'service' || role.tokenType === 'batch') typeName = role.tokenType;
  }
  let type: 'service' | 'batch' = 'service';
  if (typeName === 'batch') {
    let badReason = '';
    if (fields.explicit_max_ttl !== '') {
      if (durationOrUndefined(fields.explicit_max_ttl) === undefined) {
        throw badRequest('"explicit_max_ttl" value could not be parsed');
      }
      if (durationOf(fields.explicit_max_ttl) !== 0) badReason = 'explicit_max_ttl';
    } else if (fields.num_uses !== 0) {
      badReason = 'num_uses';
    } else if (fields.period !== '') {
      if (durationOrUndefined(fields.period) === undefined)
        throw badRequest('"period" value could not be parsed');
      if (durationOf(fields.period) !== 0) badReason = 'period';
    }
    if (badReason) throw badRequest(`batch tokens cannot have "${badReason}" set`);
    type = 'batch';
    renewable = false;
  } else if (typeName !== '' && typeName !== 'service') {
    throw badRequest("invalid 'token_type' value");
  }
  if (fields.num_uses < 0) throw badRequest('number of uses cannot be negative');

  let path = `auth/token/${req.path.replace(/\/$/, '')}`;
  if (role) {
    if (renewable && !role.renewable) renewable = false;
    if (role.pathSuffix !== '') path = `${path}/${role.pathSuffix}`;
  }
  let displayName = 'token';
  if (fields.display_name !== '') {
    displayName = `token-${fields.display_name}`.replace(DISPLAY_NAME_UNSAFE, '-').replace(/-$/, '');
  }

  const id = fields.id;
  if (id !== '') {
    if (!isSudo) throw badRequest('root or sudo privileges required to specify token id');
    if (req.namespace.id !== ROOT_NAMESPACE_ID) {
      throw badRequest('token IDs can only be manually specified in the root namespace');
    }
    // TokenStore.create refuses ids that could pass for generated ones, and duplicates.
    if (id.startsWith('hvs.')) throw badRequest("custom token ID cannot have the 'hvs.' prefix");
    if (id.startsWith('s.')) throw badRequest("custom token ID cannot have the 's.' prefix");
    if (id.includes('.')) throw badRequest("custom token ID cannot have a '.' in the value");
    if (core.tokens.getTainted(id)) throw badRequest('cannot create a token with a duplicate ID');
  }

  const warnings: string[] = [];
  let policies: string[];
  let addDefault = false;
  const noDefault = fields.no_default_policy;
  if (role && (role.allowedPolicies.length > 0 || role.disallowedPolicies.length > 0)) {
    const localAddDefault = !noDefault && !role.disallowedPolicies.includes('default');
    let finalPolicies = requested.length > 0 ? sanitizePolicies(requested, localAddDefault) : [];
    if (role.allowedPolicies.length > 0) {
      const allowed = sanitizePolicies(role.allowedPolicies, localAddDefault);
      if (finalPolicies.length === 0) finalPolicies = allowed;
      else if (!isSubset(allowed, finalPolicies)) {
        throw badRequest(
          `token policies (${goList(finalPolicies)}) must be subset of the role's allowed policies (${goList(allowed)})`,
        );
      }
    } else if (finalPolicies.length === 0) {
      finalPolicies = sanitizePolicies(parent.policies, localAddDefault);
    }
    const disallowed = removeDuplicates(role.disallowedPolicies);
    for (const policy of finalPolicies) {
      if (disallowed.includes(policy))
        throw badRequest(`token policy ${goQuote(policy)} is disallowed by this role`);
      if (role.disallowedPoliciesGlob.some((glob) => globMatch(glob, policy))) {
        throw badRequest(`token policy ${goQuote(policy)} is disallowed by this role`);
      }
    }
    policies = finalPolicies;
  } else if (crossNamespace) {
    addDefault = !noDefault;
    policies = requested;
  } else if (requested.length === 0) {
    // No policies asked for: the parent's, "default" only if the parent has it.
    policies = sanitizePolicies(parent.policies, false);
  } else if (!isSudo) {
    const asked = sanitizePolicies(requested, false);
    if (!isSubset(sanitizePolicies(parent.policies, false), asked)) {
      throw badRequest('child policies must be subset of parent');
    }
    addDefault = !noDefault && parent.policies.includes('default');
    policies = requested;
  } else {
    addDefault = !noDefault;
    policies = requested;
  }
  policies = sanitizePolicies(policies, addDefault);
  if (noDefault) policies = policies.filter((policy) => policy !== 'default');
  for (const policy of policies) {
    if (NON_ASSIGNABLE_POLICIES.includes(policy)) throw badRequest(`cannot assign policy ${goQuote(policy)}`);
  }
  if (policies.includes('root')) {
    if (!parent.policies.includes('root')) {
      throw badRequest('root tokens may not be created without parent token being root');
    }
    if (type === 'batch') throw badRequest('batch tokens cannot be root tokens');
  }

  let tokenParent = parent.id;
  if (role) {
    if (role.orphan) tokenParent = '';
  } else if (fields.no_parent) {
    if (!isSudo) throw badRequest('root or sudo privileges required to create orphan token');
    tokenParent = '';
  } else if (orphan) {
    tokenParent = '';
  }

  let explicitMaxTtl = 0;
  if (fields.explicit_max_ttl !== '') {
    explicitMaxTtl = durationOf(fields.explicit_max_ttl);
    if (explicitMaxTtl < 0) throw badRequest('explicit_max_ttl must be positive');
  }
  let period = 0;
  if (fields.period !== '') {
    const value = durationOf(fields.period);
    if (value < 0) throw badRequest('period must be positive');
    if (value > 0) {
      if (!isSudo) throw badRequest('root or sudo privileges required to create periodic token');
      period = value;
    }
  }
  let ttl = 0;
  if (fields.ttl !== '') {
    ttl = durationOf(fields.ttl);
    if (ttl < 0) throw badRequest('ttl must be positive');
  } else if (fields.lease !== '') {
    // The compatibility name goes through time.ParseDuration, so it needs a unit.
    ttl = durationOf(fields.lease, (text) => Number(parseGoDuration(text) / 1_000_000_000n));
    if (ttl < 0) throw badRequest('lease must be positive');
  }
  if (role && type !== 'batch') {
    const roleMax = role.tokenExplicitMaxTtl || role.explicitMaxTtl;
    if (roleMax !== 0) {
      if (explicitMaxTtl === 0) explicitMaxTtl = roleMax;
      else {
        explicitMaxTtl = Math.min(explicitMaxTtl, roleMax);
        warnings.push(
          `Explicit max TTL specified both during creation call and in role; using the lesser value of ${explicitMaxTtl} seconds`,
        );
      }
    }
    const rolePeriod = role.tokenPeriod || role.period;
    if (rolePeriod !== 0) {
      if (period === 0) period = rolePeriod;
      else {
        period = Math.min(period, rolePeriod);
        warnings.push(
          `Period specified both during creation call and in role; using the lesser value of ${period} seconds`,
        );
      }
    }
  }

  const isRoot = policies.includes('root');
  if (period > 0 || ttl > 0 || !isRoot) {
    const calculated = calculateTtl({
      increment: 0,
      backendTtl: ttl,
      period,
      backendMaxTtl: 0,
      explicitMaxTtl,
      issuedAt: req.now,
      now: req.now,
      mountDefaultTtl: mount.defaultLeaseTtl || SYSTEM_MAX_TTL,
      mountMaxTtl: mount.maxLeaseTtl || SYSTEM_MAX_TTL,
    });
    // CalculateTTL's own failures are plain Go errors, which the core wraps.
    ttl = calculated.ttl;
    warnings.push(...calculated.warnings);
  }
  if (ttl === 0 && explicitMaxTtl > 0) ttl = explicitMaxTtl;
  if (ttl === 0) {
    if (parent.expiresAt !== null) {
      throw badRequest('expiring root tokens cannot create non-expiring root tokens');
    }
    renewable = false;
  }
  if (id !== '') {
    warnings.push(
      'Supplying a custom ID for the token uses the weaker SHA1 hashing instead of the more secure SHA2-256 HMAC for token obfuscation. SHA1 hashed tokens on the wire leads to less secure lookups.',
    );
  }

  const token = core.tokens.create({
    id: id || core.newTokenId(type, req.namespace),
    namespaceId: req.namespace.id,
    policies,
    meta: has('meta') ? fields.meta : null,
    path,
    mountPath: mount.path,
    displayName,
    entityId: tokenParent !== '' ? parent.entityId : '',
    issuedAt: req.now,
    creationTtl: ttl,
    explicitMaxTtl,
    maxTtl: 0,
    period,
    expiresAt: ttl === 0 ? null : req.now + ttl * 1000,
    renewable,
    type,
    parent: tokenParent,
    numUses: fields.num_uses,
    role: role?.name ?? '',
    boundCidrs: role
      ? role.tokenBoundCidrs.length > 0
        ? role.tokenBoundCidrs
        : []
      : tokenParent !== ''
        ? (parent.boundCidrs ?? [])
        : [],
  });
  for (const policy of policies) {
    if (!req.namespace.policies.get(policy)) warnings.push(`Policy ${goQuote(policy)} does not exist`);
  }
  return { data: null, warnings, authBlock: authBlock(token) };
}

function durationOrUndefined(text: string): number | undefined {
  try {
    return parseDurationSecond(text);
  } catch {
    return undefined;
  }
}

/** Go's %q of a []string: ["a" "b"]. */
function goList(items: readonly string[]): string {
  return `[${items.map(goQuote).join(' ')}]`;
}
