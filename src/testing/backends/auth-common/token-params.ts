import { parseAddressBlocks } from '../../core/address-blocks';
import { goQuote } from '../../core/go-format';
import type { AuthIntent, MountInfo } from '../../core/types';
import { badRequest } from '../../core/vault-error';
import { bool, duration, int, list, str } from '../fields';

/**
 * The `token_*` settings every auth method role carries (Vault's sdk/helper/tokenutil): parsing
 * with tokenutil's checks in tokenutil's order, the read view, the upgrade of the deprecated
 * names, and the token a login issues from them.
 */
export interface TokenParams {
  token_bound_cidrs: string[];
  token_explicit_max_ttl: number;
  token_max_ttl: number;
  token_no_default_policy: boolean;
  token_num_uses: number;
  token_period: number;
  token_policies: string[];
  token_type: 'default' | 'service' | 'batch';
  token_ttl: number;
}

/** The deprecated names as stored beside the new ones (tokenutil.UpgradeValue keeps both). */
export interface LegacyTokenFields {
  policies: string[];
  bound_cidrs: string[];
  num_uses: number;
  ttl: number;
  max_ttl: number;
  period: number;
}

export const TOKEN_FIELDS = [
  'token_bound_cidrs',
  'token_explicit_max_ttl',
  'token_max_ttl',
  'token_no_default_policy',
  'token_num_uses',
  'token_period',
  'token_policies',
  'token_type',
  'token_ttl',
] as const;

export const LEGACY_TOKEN_FIELDS = [
  'policies',
  'bound_cidrs',
  'num_uses',
  'ttl',
  'max_ttl',
  'period',
] as const;

export function newTokenParams(): TokenParams {
  return {
    token_bound_cidrs: [],
    token_explicit_max_ttl: 0,
    token_max_ttl: 0,
    token_no_default_policy: false,
    token_num_uses: 0,
    token_period: 0,
    token_policies: [],
    token_type: 'default',
    token_ttl: 0,
  };
}

export function newLegacyFields(): LegacyTokenFields {
  return { policies: [], bound_cidrs: [], num_uses: 0, ttl: 0, max_ttl: 0, period: 0 };
}

export const given = (data: Record<string, unknown>, key: string): boolean =>
  data[key] !== undefined && data[key] !== null;

/** tokenutil.ParseTokenFields: only the names given change, each check in tokenutil's order. */
export function parseTokenFields(data: Record<string, unknown>, params: TokenParams): void {
  if (given(data, 'token_bound_cidrs')) {
    const cidrs = list(data, 'token_bound_cidrs') ?? [];
    checkAddresses(cidrs);
    params.token_bound_cidrs = cidrs;
  }
  if (given(data, 'token_explicit_max_ttl'))
    params.token_explicit_max_ttl = duration(data, 'token_explicit_max_ttl');
  if (given(data, 'token_max_ttl')) params.token_max_ttl = duration(data, 'token_max_ttl');
  if (params.token_max_ttl < 0) throw badRequest("'token_max_ttl' cannot be negative");
  if (given(data, 'token_no_default_policy'))
    params.token_no_default_policy = bool(data, 'token_no_default_policy', false);
  if (given(data, 'token_period')) params.token_period = duration(data, 'token_period');
  if (params.token_period < 0) throw badRequest("'token_period' cannot be negative");
  if (given(data, 'token_policies')) params.token_policies = list(data, 'token_policies') ?? [];
  if (given(data, 'token_type')) {
    const type = str(data, 'token_type');
    if (type === '' || type === 'default') params.token_type = 'default';
    else if (type === 'service' || type === 'batch') params.token_type = type;
    else throw badRequest(`invalid 'token_type' value ${goQuote(type)}`);
  }
  if (given(data, 'token_num_uses')) params.token_num_uses = int(data, 'token_num_uses', 0);
  if (params.token_num_uses < 0) throw badRequest("'token_num_uses' cannot be negative");
  if (params.token_type === 'batch') {
    if (params.token_period !== 0)
      throw badRequest(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens",
      );
    if (params.token_num_uses !== 0)
      throw badRequest(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count",
      );
  }
  if (given(data, 'token_ttl')) params.token_ttl = duration(data, 'token_ttl');
  if (params.token_ttl < 0) throw badRequest("'token_ttl' cannot be negative");
  if (params.token_ttl > 0 && params.token_max_ttl > 0 && params.token_ttl > params.token_max_ttl) {
    throw badRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
}

function checkAddresses(cidrs: readonly string[]): void {
  try {
    parseAddressBlocks(cidrs);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
}

/**
 * tokenutil.UpgradeValue for each deprecated name: given alone, it sets both copies; given with
 * its new name, it follows the new one; a new name given alone clears the deprecated copy.
 */
export function upgradeLegacyFields(
  data: Record<string, unknown>,
  params: TokenParams,
  legacy: LegacyTokenFields,
): void {
  const durations = [
    ['ttl', 'token_ttl'],
    ['max_ttl', 'token_max_ttl'],
    ['period', 'token_period'],
  ] as const;
  for (const [old, current] of durations) {
    if (!given(data, current)) {
      if (given(data, old)) params[current] = legacy[old] = duration(data, old);
    } else legacy[old] = given(data, old) ? params[current] : 0;
  }
  if (!given(data, 'token_num_uses')) {
    if (given(data, 'num_uses')) params.token_num_uses = legacy.num_uses = int(data, 'num_uses', 0);
  } else legacy.num_uses = given(data, 'num_uses') ? params.token_num_uses : 0;
  if (!given(data, 'token_policies')) {
    if (given(data, 'policies')) params.token_policies = legacy.policies = list(data, 'policies') ?? [];
  } else legacy.policies = given(data, 'policies') ? params.token_policies : [];
  if (!given(data, 'token_bound_cidrs')) {
    if (given(data, 'bound_cidrs')) {
      const cidrs = list(data, 'bound_cidrs') ?? [];
      checkAddresses(cidrs);
      params.token_bound_cidrs = legacy.bound_cidrs = cidrs;
    }
  } else legacy.bound_cidrs = given(data, 'bound_cidrs') ? params.token_bound_cidrs : [];
}

/** tokenutil.PopulateTokenData: the `token_*` half of a role read. */
export function tokenData(params: TokenParams): Record<string, unknown> {
  return {
    token_bound_cidrs: [...params.token_bound_cidrs],
    token_explicit_max_ttl: params.token_explicit_max_ttl,
    token_max_ttl: params.token_max_ttl,
    token_no_default_policy: params.token_no_default_policy,
    token_period: params.token_period,
    token_policies: [...params.token_policies],
    token_type: params.token_type,
    token_ttl: params.token_ttl,
    token_num_uses: params.token_num_uses,
  };
}

/** The deprecated names a role read echoes: only those the operator set, with the current values. */
export function legacyData(params: TokenParams, legacy: LegacyTokenFields): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  if (legacy.policies.length > 0) view.policies = [...params.token_policies];
  if (legacy.bound_cidrs.length > 0) view.bound_cidrs = [...params.token_bound_cidrs];
  if (legacy.ttl > 0) view.ttl = legacy.ttl;
  if (legacy.max_ttl > 0) view.max_ttl = legacy.max_ttl;
  if (legacy.period > 0) view.period = legacy.period;
  if (legacy.num_uses > 0) view.num_uses = legacy.num_uses;
  return view;
}

/**
 * policyutil.SanitizePolicies, which the core applies to a login's policies: lower-cased, empty
 * names dropped, `root` alone if present, `default` added unless the role says not to, sorted
 * and de-duplicated.
 */
export function sanitizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  let names = policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== '');
  if (names.includes('root')) names = ['root'];
  else if (addDefault && !names.includes('default')) names.push('default');
  return [...new Set(names)].sort();
}

export interface LoginIdentity {
  /** The auth method's display name before the core prefixes the mount: `system:serviceaccount:...`. */
  displayName: string;
  metadata: Record<string, string>;
  /** The role (or user) name the token remembers for renewals. */
  role: string;
  entityId: string;
  /** Overrides the role's `token_bound_cidrs` (AppRole's secret IDs carry their own). */
  boundCidrs?: readonly string[];
}

/**
 * tokenutil.PopulateTokenAuth plus what the core's login handling adds: the mount-prefixed
 * display name (`jwt-<user>`), `default` among the policies, and the token type a `default`
 * role gets on a mount that is not tuned otherwise (service).
 */
export function loginAuth(params: TokenParams, mount: MountInfo, identity: LoginIdentity): AuthIntent {
  const policies = sanitizePolicies(params.token_policies, !params.token_no_default_policy);
  const source = mount.path.replace(/^auth\//, '').replaceAll('/', '-');
  const batch = params.token_type === 'batch';
  return {
    policies,
    tokenPolicies: policies,
    metadata: identity.metadata,
    ttl: params.token_ttl,
    maxTtl: params.token_max_ttl,
    explicitMaxTtl: params.token_explicit_max_ttl,
    period: params.token_period,
    renewable: !batch,
    tokenType: batch ? 'batch' : 'service',
    numUses: params.token_num_uses,
    entityId: identity.entityId,
    displayName: `${source}${identity.displayName}`.replace(/-$/, ''),
    role: identity.role,
    boundCidrs: [...(identity.boundCidrs ?? params.token_bound_cidrs)],
  };
}
