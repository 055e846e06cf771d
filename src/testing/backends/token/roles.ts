import { field } from '../../core/fields';
import { goQuote } from '../../core/go-format';
import type { RouteInput } from '../../core/routes';
import type { Operation } from '../../core/types';
import { badRequest } from '../../core/vault-error';
import { removeDuplicates, sanitizePolicies } from './policies';

/** token_store.go's role fields, with the token_* fields tokenutil adds to them (its allow-list). */
export const ROLE_FIELDS = {
  role_name: field('string', 'Name of the role'),
  allowed_policies: field(
    'commaStringSlice',
    'Policies tokens of this role may have, beyond the parent token.',
  ),
  disallowed_policies: field('commaStringSlice', 'Policies tokens of this role may not have.'),
  allowed_policies_glob: field('commaStringSlice', 'Glob patterns of policies tokens of this role may have.'),
  disallowed_policies_glob: field(
    'commaStringSlice',
    'Glob patterns of policies tokens of this role may not have.',
  ),
  orphan: field('bool', 'If true, tokens created via this role will be orphan tokens (have no parent)'),
  period: field('duration', "Use 'token_period' instead."),
  path_suffix: field('string', 'A suffix for the path of tokens created via this role.'),
  explicit_max_ttl: field('duration', "Use 'token_explicit_max_ttl' instead."),
  renewable: field(
    'bool',
    'Tokens created via this role will be renewable or not according to this value.',
    true,
  ),
  bound_cidrs: field('commaStringSlice', "Use 'token_bound_cidrs' instead."),
  allowed_entity_aliases: field(
    'commaStringSlice',
    'Entity aliases which are allowed to be used during token generation.',
  ),
  token_bound_cidrs: field('commaStringSlice', 'CIDR blocks generated tokens may be used from.'),
  token_explicit_max_ttl: field('duration', 'A hard cap on the lifetime of generated tokens.'),
  token_period: field('duration', 'Renewal period of generated (periodic) tokens.'),
  token_type: field('string', 'The type of token to generate, service or batch', 'default-service'),
  token_no_default_policy: field('bool', "Do not attach the 'default' policy to generated tokens."),
  token_num_uses: field('int', 'The maximum number of times a generated token may be used.'),
} as const;

export type RoleTokenType = 'default-service' | 'default-batch' | 'service' | 'batch';

/** tsRoleEntry. Durations in seconds. */
export interface TokenRole {
  name: string;
  allowedPolicies: string[];
  disallowedPolicies: string[];
  allowedPoliciesGlob: string[];
  disallowedPoliciesGlob: string[];
  orphan: boolean;
  renewable: boolean;
  pathSuffix: string;
  allowedEntityAliases: string[];
  tokenType: RoleTokenType;
  /** The deprecated names as last written, echoed on read. */
  period: number;
  explicitMaxTtl: number;
  boundCidrs: string[];
  tokenPeriod: number;
  tokenExplicitMaxTtl: number;
  tokenBoundCidrs: string[];
  tokenNoDefaultPolicy: boolean;
  tokenNumUses: number;
}

/** pathSuffixSanitize. */
const PATH_SUFFIX = /\w[\w.-]+\w/;

/**
 * tokenStoreRoleCreateUpdate, in its order: the role's own fields (defaults on create, kept on
 * update), token_type held back from tokenutil's parsing, the token_* fields, the deprecated
 * names (the token_ form wins, with a warning when both come), then the batch-token checks.
 */
export function writeTokenRole(
  input: RouteInput<typeof ROLE_FIELDS>,
  previous: TokenRole | undefined,
  operation: Operation,
  mountMaxTtl: number,
): { role: TokenRole; warnings: string[] } {
  const { fields, has } = input;
  const name = fields.role_name;
  if (name === '') throw badRequest('role name cannot be empty');
  const create = operation === 'create' || previous === undefined;
  const role: TokenRole = previous
    ? structuredClone(previous)
    : {
        name,
        allowedPolicies: [],
        disallowedPolicies: [],
        allowedPoliciesGlob: [],
        disallowedPoliciesGlob: [],
        orphan: false,
        renewable: false,
        pathSuffix: '',
        allowedEntityAliases: [],
        tokenType: 'default-service',
        period: 0,
        explicitMaxTtl: 0,
        boundCidrs: [],
        tokenPeriod: 0,
        tokenExplicitMaxTtl: 0,
        tokenBoundCidrs: [],
        tokenNoDefaultPolicy: false,
        tokenNumUses: 0,
      };
  const takes = (key: keyof typeof ROLE_FIELDS) => has(key) || create;
  if (takes('orphan')) role.orphan = fields.orphan;
  if (takes('renewable')) role.renewable = fields.renewable;
  if (takes('path_suffix')) {
    const suffix = fields.path_suffix;
    if (has('path_suffix') && suffix !== '' && !PATH_SUFFIX.test(suffix)) {
      throw badRequest('given role path suffix contains invalid characters; must match \\w[\\w-.]+\\w');
    }
    role.pathSuffix = suffix;
  }
  if (role.pathSuffix.includes('..')) {
    throw badRequest('error registering path suffix: path cannot contain parent references');
  }
  if (takes('allowed_policies')) role.allowedPolicies = sanitizePolicies(fields.allowed_policies, false);
  if (takes('disallowed_policies')) role.disallowedPolicies = removeDuplicates(fields.disallowed_policies);
  if (takes('allowed_policies_glob'))
    role.allowedPoliciesGlob = sanitizePolicies(fields.allowed_policies_glob, false);
  if (takes('disallowed_policies_glob')) {
    role.disallowedPoliciesGlob = removeDuplicates(fields.disallowed_policies_glob);
  }

  // token_type is parsed apart from the other token fields, with the token store's own values.
  if (has('token_explicit_max_ttl')) role.tokenExplicitMaxTtl = fields.token_explicit_max_ttl;
  if (has('token_no_default_policy')) role.tokenNoDefaultPolicy = fields.token_no_default_policy;
  if (has('token_period')) role.tokenPeriod = fields.token_period;
  if (has('token_bound_cidrs')) role.tokenBoundCidrs = fields.token_bound_cidrs;
  if (has('token_num_uses')) {
    if (fields.token_num_uses < 0)
      throw badRequest("error parsing role fields: 'token_num_uses' cannot be negative");
    role.tokenNumUses = fields.token_num_uses;
  }
  if (has('token_type')) {
    const type = fields.token_type;
    if (type !== 'service' && type !== 'batch' && type !== 'default-service' && type !== 'default-batch') {
      throw badRequest(`invalid 'token_type' value ${goQuote(type)}`);
    }
    role.tokenType = type;
  }

  const warnings: string[] = [];
  const both = (current: string, old: string) =>
    warnings.push(`Both '${current}' and deprecated '${old}' value supplied, ignoring the deprecated value`);
  if (!has('token_period')) {
    if (has('period')) role.period = role.tokenPeriod = fields.period;
  } else {
    if (has('period')) both('token_period', 'period');
    role.period = 0;
  }
  if (!has('token_bound_cidrs')) {
    if (has('bound_cidrs')) role.boundCidrs = role.tokenBoundCidrs = fields.bound_cidrs;
  } else {
    if (has('bound_cidrs')) both('token_bound_cidrs', 'bound_cidrs');
    role.boundCidrs = [];
  }
  let finalExplicitMaxTtl = role.tokenExplicitMaxTtl;
  if (!has('token_explicit_max_ttl')) {
    if (has('explicit_max_ttl')) role.explicitMaxTtl = role.tokenExplicitMaxTtl = fields.explicit_max_ttl;
    finalExplicitMaxTtl = role.explicitMaxTtl;
  } else {
    if (has('explicit_max_ttl')) both('token_explicit_max_ttl', 'explicit_max_ttl');
    role.explicitMaxTtl = 0;
  }
  if (finalExplicitMaxTtl !== 0 && finalExplicitMaxTtl > mountMaxTtl) {
    warnings.push(
      `Given explicit max TTL of ${finalExplicitMaxTtl} is greater than system/mount allowed value of ${mountMaxTtl} seconds; until this is fixed attempting to create tokens against this role will result in an error`,
    );
  }

  if (role.tokenType === 'batch') {
    const refuse = (what: string) =>
      badRequest(`'token_type' cannot be 'batch' when role is set to generate ${what}`);
    if (!role.orphan) throw refuse('non-orphan tokens');
    if (role.period !== 0 || role.tokenPeriod !== 0) throw refuse('periodic tokens');
    if (role.renewable) throw refuse('renewable tokens');
    if (role.explicitMaxTtl !== 0 || role.tokenExplicitMaxTtl !== 0) {
      throw refuse('tokens with an explicit max TTL');
    }
  }
  if (has('allowed_entity_aliases'))
    role.allowedEntityAliases = removeDuplicates(fields.allowed_entity_aliases);
  return { role, warnings };
}

/** tokenStoreRoleRead. */
export function tokenRoleView(role: TokenRole): Record<string, unknown> {
  return {
    period: role.period,
    token_period: role.tokenPeriod,
    explicit_max_ttl: role.explicitMaxTtl,
    token_explicit_max_ttl: role.tokenExplicitMaxTtl,
    disallowed_policies: role.disallowedPolicies,
    allowed_policies: role.allowedPolicies,
    disallowed_policies_glob: role.disallowedPoliciesGlob,
    allowed_policies_glob: role.allowedPoliciesGlob,
    name: role.name,
    orphan: role.orphan,
    path_suffix: role.pathSuffix,
    renewable: role.renewable,
    token_type: role.tokenType,
    allowed_entity_aliases: role.allowedEntityAliases,
    token_no_default_policy: role.tokenNoDefaultPolicy,
    ...(role.tokenBoundCidrs.length > 0 ? { token_bound_cidrs: role.tokenBoundCidrs } : {}),
    ...(role.boundCidrs.length > 0 ? { bound_cidrs: role.boundCidrs } : {}),
    ...(role.tokenNumUses > 0 ? { token_num_uses: role.tokenNumUses } : {}),
  };
}
