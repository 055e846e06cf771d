import { parseAddressBlocks } from '../../core/address-blocks';
import { field } from '../../core/fields';
import { goQuote } from '../../core/go-format';
import type { RouteInput } from '../../core/routes';
import type { AuthIntent } from '../../core/types';
import { badRequest } from '../../core/vault-error';

/*
 * sdk/helper/tokenutil: the `token_*` fields every auth method's roles share, their parsing
 * rules and error strings, and the deprecated names (`policies`, `ttl`, ...) some plugins still
 * accept. Auth backends declare TOKEN_FIELDS (and LEGACY_TOKEN_FIELDS if they take the old
 * names) among their role fields and call parseTokenFields.
 */

export const TOKEN_FIELDS = {
  token_bound_cidrs: field('commaStringSlice', 'CIDR blocks a generated token may be used from'),
  token_explicit_max_ttl: field('duration', 'A hard cap on the lifetime of generated tokens'),
  token_max_ttl: field('duration', 'The maximum lifetime of generated tokens'),
  token_no_default_policy: field('bool', "Do not attach the 'default' policy to generated tokens"),
  token_period: field('duration', 'Renewal period of generated (periodic) tokens'),
  token_policies: field('commaStringSlice', 'Comma-separated list of policies'),
  token_type: field('string', 'The type of token to generate, service or batch', 'default-service'),
  token_ttl: field('duration', 'The initial ttl of the token to generate'),
  token_num_uses: field('int', 'The maximum number of times a token may be used, zero for unlimited'),
} as const;

/** The deprecated names, upgraded into their `token_*` counterparts (tokenutil.UpgradeValue). */
export const LEGACY_TOKEN_FIELDS = {
  policies: field('commaStringSlice', "Use 'token_policies' instead"),
  bound_cidrs: field('commaStringSlice', "Use 'token_bound_cidrs' instead"),
  num_uses: field('int', "Use 'token_num_uses' instead"),
  ttl: field('duration', "Use 'token_ttl' instead"),
  max_ttl: field('duration', "Use 'token_max_ttl' instead"),
  period: field('duration', "Use 'token_period' instead"),
} as const;

export type TokenType = 'default' | 'service' | 'batch';

/** tokenutil.TokenParams, durations in seconds. */
export interface TokenParams {
  boundCidrs: string[];
  explicitMaxTtl: number;
  maxTtl: number;
  noDefaultPolicy: boolean;
  period: number;
  policies: string[];
  type: TokenType;
  ttl: number;
  numUses: number;
}

/** The deprecated values as stored, which Vault echoes back on read while they are set. */
export interface LegacyTokenParams {
  policies: string[];
  boundCidrs: string[];
  numUses: number;
  ttl: number;
  maxTtl: number;
  period: number;
}

export function defaultTokenParams(): TokenParams {
  return {
    boundCidrs: [],
    explicitMaxTtl: 0,
    maxTtl: 0,
    noDefaultPolicy: false,
    period: 0,
    policies: [],
    type: 'default',
    ttl: 0,
    numUses: 0,
  };
}

export function defaultLegacyParams(): LegacyTokenParams {
  return { policies: [], boundCidrs: [], numUses: 0, ttl: 0, maxTtl: 0, period: 0 };
}

type TokenInput = RouteInput<typeof TOKEN_FIELDS>;

/**
 * TokenParams.ParseTokenFields: only the fields the request carries change, checked in
 * tokenutil's order; its errors reach the client as 400s with tokenutil's text. CIDRs are
 * checked as go-sockaddr parses them and kept as written.
 */
export function parseTokenFields(input: TokenInput, params: TokenParams): void {
  const { fields, has } = input;
  if (has('token_bound_cidrs')) params.boundCidrs = checkedAddresses(fields.token_bound_cidrs);
  if (has('token_explicit_max_ttl')) params.explicitMaxTtl = fields.token_explicit_max_ttl;
  if (has('token_max_ttl')) params.maxTtl = fields.token_max_ttl;
  if (params.maxTtl < 0) throw badRequest("'token_max_ttl' cannot be negative");
  if (has('token_no_default_policy')) params.noDefaultPolicy = fields.token_no_default_policy;
  if (has('token_period')) params.period = fields.token_period;
  if (params.period < 0) throw badRequest("'token_period' cannot be negative");
  if (has('token_policies')) params.policies = fields.token_policies;
  if (has('token_type')) {
    const type = fields.token_type;
    if (type === '' || type === 'default') params.type = 'default';
    else if (type === 'service' || type === 'batch') params.type = type;
    else throw badRequest(`invalid 'token_type' value ${goQuote(type)}`);
  }
  if (has('token_num_uses')) params.numUses = fields.token_num_uses;
  if (params.numUses < 0) throw badRequest("'token_num_uses' cannot be negative");
  if (params.type === 'batch') {
    if (params.period !== 0) {
      throw badRequest(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens",
      );
    }
    if (params.numUses !== 0) {
      throw badRequest(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count",
      );
    }
  }
  if (has('token_ttl')) params.ttl = fields.token_ttl;
  if (params.ttl < 0) throw badRequest("'token_ttl' cannot be negative");
  if (params.ttl > 0 && params.maxTtl > 0 && params.ttl > params.maxTtl) {
    throw badRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
}

type LegacyInput = RouteInput<typeof TOKEN_FIELDS & typeof LEGACY_TOKEN_FIELDS>;

/**
 * tokenutil.UpgradeValue for each deprecated name: given alone it sets both values; given with
 * its new name it follows the new one; a new name given alone clears the deprecated copy.
 */
export function upgradeLegacyFields(
  input: LegacyInput,
  params: TokenParams,
  legacy: LegacyTokenParams,
): void {
  const { fields, has } = input;
  const pairs = [
    ['ttl', 'token_ttl', 'ttl', 'ttl'],
    ['max_ttl', 'token_max_ttl', 'maxTtl', 'maxTtl'],
    ['period', 'token_period', 'period', 'period'],
    ['num_uses', 'token_num_uses', 'numUses', 'numUses'],
  ] as const;
  for (const [old, current, key, legacyKey] of pairs) {
    if (!has(current)) {
      if (has(old)) params[key] = legacy[legacyKey] = fields[old];
    } else legacy[legacyKey] = has(old) ? params[key] : 0;
  }
  const lists = [
    ['policies', 'token_policies', 'policies'],
    ['bound_cidrs', 'token_bound_cidrs', 'boundCidrs'],
  ] as const;
  for (const [old, current, key] of lists) {
    if (!has(current)) {
      if (has(old)) {
        // policyutil.ParsePolicies for the policies: trimmed, lower-cased, empty ones dropped.
        const value = old === 'policies' ? parsePolicies(fields[old]) : checkedAddresses(fields[old]);
        params[key] = legacy[key] = value;
      }
    } else legacy[key] = has(old) ? params[key] : [];
  }
}

/** parseutil.ParseAddrs: each block must parse (go-sockaddr's message for the first that does not); kept as written. */
function checkedAddresses(blocks: string[]): string[] {
  try {
    parseAddressBlocks(blocks);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
  return blocks;
}

/** policyutil.ParsePolicies: lower-cased, trimmed, de-duplicated, sorted, empty names dropped. */
export function parsePolicies(names: readonly string[]): string[] {
  return [...new Set(names.map((name) => name.trim().toLowerCase()).filter((name) => name !== ''))].sort();
}

/** TokenParams.PopulateTokenData: the `token_*` half of a role read, durations in seconds. */
export function tokenData(params: TokenParams): Record<string, unknown> {
  return {
    token_bound_cidrs: params.boundCidrs,
    token_explicit_max_ttl: params.explicitMaxTtl,
    token_max_ttl: params.maxTtl,
    token_no_default_policy: params.noDefaultPolicy,
    token_period: params.period,
    token_policies: params.policies,
    token_type: params.type,
    token_ttl: params.ttl,
    token_num_uses: params.numUses,
  };
}

/** The deprecated names a role read echoes, those set to a non-zero value. */
export function legacyTokenData(params: TokenParams, legacy: LegacyTokenParams): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  if (legacy.policies.length > 0) view.policies = params.policies;
  if (legacy.boundCidrs.length > 0) view.bound_cidrs = params.boundCidrs;
  if (legacy.ttl > 0) view.ttl = legacy.ttl;
  if (legacy.maxTtl > 0) view.max_ttl = legacy.maxTtl;
  if (legacy.period > 0) view.period = legacy.period;
  if (legacy.numUses > 0) view.num_uses = legacy.numUses;
  return view;
}

/**
 * The token settings of a role (or user) in a method that still takes the deprecated names:
 * tokenutil's values and the deprecated copies Vault echoes on read.
 */
export interface TokenSettings {
  token: TokenParams;
  legacy: LegacyTokenParams;
}

export function defaultTokenSettings(): TokenSettings {
  return { token: defaultTokenParams(), legacy: defaultLegacyParams() };
}

/** A role write's first step in such a method: ParseTokenFields, then the deprecated-name upgrade. */
export function parseTokenSettings(input: LegacyInput, settings: TokenSettings): void {
  parseTokenFields(input, settings.token);
  upgradeLegacyFields(input, settings.token, settings.legacy);
}

/** The token half of such a role's read: the `token_*` fields and the deprecated names that are set. */
export function tokenSettingsData(settings: TokenSettings): Record<string, unknown> {
  return { ...tokenData(settings.token), ...legacyTokenData(settings.token, settings.legacy) };
}

/**
 * TokenParams.PopulateTokenAuth plus the policy rule every login shares: `default` added unless
 * token_no_default_policy. The caller adds metadata, entity, display name and role.
 */
export function tokenAuth(
  params: TokenParams,
): Pick<
  AuthIntent,
  | 'policies'
  | 'tokenPolicies'
  | 'ttl'
  | 'maxTtl'
  | 'explicitMaxTtl'
  | 'period'
  | 'renewable'
  | 'tokenType'
  | 'numUses'
> {
  const policies = [...new Set([...params.policies, ...(params.noDefaultPolicy ? [] : ['default'])])].sort();
  return {
    policies,
    tokenPolicies: policies,
    ttl: params.ttl,
    maxTtl: params.maxTtl,
    explicitMaxTtl: params.explicitMaxTtl,
    period: params.period,
    renewable: params.type !== 'batch',
    tokenType: params.type === 'batch' ? 'batch' : 'service',
    numUses: params.numUses,
  };
}
