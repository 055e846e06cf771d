import { field } from '../../core/fields';
import { goDurationString, goQuote } from '../../core/go-format';
import type { RouteInput } from '../../core/routes';
import { badRequest } from '../../core/vault-error';
import {
  defaultTokenSettings,
  LEGACY_TOKEN_FIELDS,
  parseTokenSettings,
  TOKEN_FIELDS,
  type TokenSettings,
  tokenSettingsData,
} from '../shared/token-fields';
import { fromRequestJson, goValue, normalizeList, toResponseJson } from './claims';

/** path_role.go's fields, tokenutil's and the deprecated names the plugin still upgrades. */
export const ROLE_FIELDS = {
  name: field('lowercaseString', 'Name of the role.'),
  role_type: field('string', 'Type of the role, either "jwt" or "oidc".'),
  expiration_leeway: field('signedDuration', 'Leeway in seconds on the "exp" claim; 0 is 150, -1 none.', 150),
  not_before_leeway: field('signedDuration', 'Leeway in seconds on the "nbf" claim; 0 is 150, -1 none.', 150),
  clock_skew_leeway: field('signedDuration', 'Leeway in seconds on all time claims; 0 is 60, -1 none.', 60),
  bound_subject: field('string', 'The "sub" claim that is valid for login. Optional.'),
  bound_audiences: field(
    'commaStringSlice',
    'Comma-separated list of "aud" claims that are valid for login.',
  ),
  bound_claims_type: field(
    'string',
    'How to interpret values in bound_claims: "string" or "glob".',
    'string',
  ),
  bound_claims: field('map', 'Map of claims/values which must match for login.'),
  claim_mappings: field(
    'kvPairs',
    'Mappings of claims (key) that will be copied to a metadata field (value).',
  ),
  user_claim: field('string', 'The claim to use for the Identity entity alias name.'),
  user_claim_json_pointer: field('bool', 'If true, the user_claim value will use JSON pointer syntax.'),
  groups_claim: field('string', 'The claim to use for the Identity group alias names.'),
  oidc_scopes: field('commaStringSlice', 'Comma-separated list of OIDC scopes.'),
  allowed_redirect_uris: field(
    'commaStringSlice',
    'Comma-separated list of allowed values for redirect_uri.',
  ),
  verbose_oidc_logging: field(
    'bool',
    'Log received OIDC tokens and claims when debug-level logging is active.',
  ),
  max_age: field(
    'duration',
    'Allowed elapsed time in seconds since the last time the user was authenticated.',
  ),
  ...TOKEN_FIELDS,
  ...LEGACY_TOKEN_FIELDS,
} as const;

/**
 * A role of vault-plugin-auth-jwt (path_role.go). Go's nil slices and maps read back as JSON
 * null, so fields never set stay `null` here rather than empty.
 */
export interface JwtRole extends TokenSettings {
  roleType: 'jwt' | 'oidc';
  expirationLeeway: number;
  notBeforeLeeway: number;
  clockSkewLeeway: number;
  boundAudiences: string[] | null;
  boundSubject: string;
  boundClaimsType: 'string' | 'glob';
  /** Values as Vault stores them (numbers as json.Number): see claims.ts. */
  boundClaims: Record<string, unknown> | null;
  claimMappings: Record<string, string> | null;
  userClaim: string;
  userClaimJsonPointer: boolean;
  groupsClaim: string;
  oidcScopes: string[] | null;
  allowedRedirectUris: string[] | null;
  verboseOidcLogging: boolean;
  maxAge: number;
}

function newRole(): JwtRole {
  return {
    roleType: 'oidc',
    ...defaultTokenSettings(),
    expirationLeeway: 0,
    notBeforeLeeway: 0,
    clockSkewLeeway: 0,
    boundAudiences: null,
    boundSubject: '',
    boundClaimsType: 'string',
    boundClaims: null,
    claimMappings: null,
    userClaim: '',
    userClaimJsonPointer: false,
    groupsClaim: '',
    oidcScopes: null,
    allowedRedirectUris: null,
    verboseOidcLogging: false,
    maxAge: 0,
  };
}

/**
 * pathRoleCreateUpdate, check by check. Two quirks kept because they surprise operators the same
 * way on a real Vault: `role_type` and `bound_claims_type` are re-read on every write, so an
 * update that leaves them out turns the role back into an `oidc` role with string-matched claims.
 */
export function writeJwtRole(
  input: RouteInput<typeof ROLE_FIELDS>,
  previous: JwtRole | undefined,
  mountMaxTtl: number,
): { role: JwtRole; warnings: string[] } {
  const { fields, has } = input;
  const role: JwtRole = previous
    ? { ...structuredClone(previous), boundClaims: previous.boundClaims && { ...previous.boundClaims } }
    : newRole();

  const roleType = fields.role_type || 'oidc';
  if (roleType !== 'jwt' && roleType !== 'oidc') throw badRequest(`invalid 'role_type': ${roleType}`);
  role.roleType = roleType;

  parseTokenSettings(input, role);

  if (role.token.period > mountMaxTtl) {
    throw badRequest(
      `'period' of '${goQuote(goDurationString(role.token.period))}' is greater than the backend's maximum lease TTL of '${goQuote(goDurationString(mountMaxTtl))}'`,
    );
  }
  if (has('expiration_leeway')) role.expirationLeeway = fields.expiration_leeway;
  if (has('not_before_leeway')) role.notBeforeLeeway = fields.not_before_leeway;
  if (has('clock_skew_leeway')) role.clockSkewLeeway = fields.clock_skew_leeway;
  if (has('bound_audiences')) role.boundAudiences = fields.bound_audiences;
  if (has('bound_subject')) role.boundSubject = fields.bound_subject;
  if (has('verbose_oidc_logging')) role.verboseOidcLogging = fields.verbose_oidc_logging;
  if (has('max_age')) role.maxAge = fields.max_age;

  const claimsType = fields.bound_claims_type;
  if (claimsType !== 'string' && claimsType !== 'glob') {
    throw badRequest(`invalid 'bound_claims_type': ${claimsType}`);
  }
  role.boundClaimsType = claimsType;
  if (has('bound_claims')) {
    role.boundClaims =
      fields.bound_claims && (fromRequestJson(fields.bound_claims) as Record<string, unknown>);
    if (claimsType === 'glob') checkGlobClaims(role.boundClaims ?? {});
  }

  if (has('claim_mappings')) {
    const targets = new Set<string>();
    for (const target of Object.values(fields.claim_mappings)) {
      if (target === 'role') {
        throw badRequest(`metadata key ${goQuote(target)} is reserved and may not be a mapping destination`);
      }
      if (targets.has(target))
        throw badRequest(`multiple keys are mapped to metadata key ${goQuote(target)}`);
      targets.add(target);
    }
    role.claimMappings = fields.claim_mappings;
  }

  if (has('user_claim')) role.userClaim = fields.user_claim;
  if (role.userClaim === '') throw badRequest('a user claim must be defined on the role');
  if (has('user_claim_json_pointer')) role.userClaimJsonPointer = fields.user_claim_json_pointer;
  if (has('groups_claim')) role.groupsClaim = fields.groups_claim;
  if (has('oidc_scopes')) role.oidcScopes = fields.oidc_scopes;
  if (has('allowed_redirect_uris')) role.allowedRedirectUris = fields.allowed_redirect_uris;

  if (role.roleType === 'oidc' && (role.allowedRedirectUris ?? []).length === 0) {
    throw badRequest("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
  }
  if (
    role.roleType !== 'oidc' &&
    (role.boundAudiences ?? []).length === 0 &&
    role.token.boundCidrs.length === 0 &&
    role.boundSubject === '' &&
    Object.keys(role.boundClaims ?? {}).length === 0
  ) {
    throw badRequest('must have at least one bound constraint when creating/updating a role');
  }
  if (role.token.maxTtl > 0 && role.token.ttl > role.token.maxTtl) {
    throw badRequest('ttl should not be greater than max ttl');
  }
  const warnings: string[] = [];
  if (role.token.maxTtl > mountMaxTtl) {
    warnings.push(
      "token max ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    );
  }
  if (role.verboseOidcLogging) {
    warnings.push(
      'verbose_oidc_logging has been enabled for this role. This is not recommended in production since sensitive information may be present in OIDC responses.',
    );
  }
  return { role, warnings };
}

/** The glob check of a role write: every bound value a string or a list of strings. */
function checkGlobClaims(claims: Record<string, unknown>): void {
  for (const value of Object.values(claims)) {
    const values = normalizeList(value);
    if (!values) throw badRequest(`claim is not a string or list: ${goValue(value)}`);
    for (const item of values) {
      if (typeof item !== 'string') throw badRequest(`claim is not a string: ${goValue(item)}`);
    }
  }
}

/** pathRoleRead. */
export function jwtRoleView(role: JwtRole): Record<string, unknown> {
  return {
    role_type: role.roleType,
    expiration_leeway: role.expirationLeeway,
    not_before_leeway: role.notBeforeLeeway,
    clock_skew_leeway: role.clockSkewLeeway,
    bound_audiences: role.boundAudiences,
    bound_subject: role.boundSubject,
    bound_claims_type: role.boundClaimsType,
    bound_claims: role.boundClaims && toResponseJson(role.boundClaims),
    claim_mappings: role.claimMappings,
    user_claim: role.userClaim,
    user_claim_json_pointer: role.userClaimJsonPointer,
    groups_claim: role.groupsClaim,
    allowed_redirect_uris: role.allowedRedirectUris,
    oidc_scopes: role.oidcScopes,
    verbose_oidc_logging: role.verboseOidcLogging,
    max_age: role.maxAge,
    ...tokenSettingsData(role),
  };
}
