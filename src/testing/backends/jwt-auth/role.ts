import { goDurationString, goQuote } from '../../core/go-format';
import { badRequest } from '../../core/vault-error';
import {
  given,
  LEGACY_TOKEN_FIELDS,
  type LegacyTokenFields,
  legacyData,
  newLegacyFields,
  newTokenParams,
  parseTokenFields,
  TOKEN_FIELDS,
  type TokenParams,
  tokenData,
  upgradeLegacyFields,
} from '../auth-common/token-params';
import { bool, duration, list, str } from '../fields';
import { fromRequestJson, goValue, normalizeList, toResponseJson } from './claims';

/**
 * A role of vault-plugin-auth-jwt (path_role.go). Go's nil slices and maps read back as JSON
 * null, so fields never set stay `null` here rather than empty.
 */
export interface JwtRole {
  role_type: 'jwt' | 'oidc';
  params: TokenParams;
  legacy: LegacyTokenFields;
  expiration_leeway: number;
  not_before_leeway: number;
  clock_skew_leeway: number;
  bound_audiences: string[] | null;
  bound_subject: string;
  bound_claims_type: 'string' | 'glob';
  /** Values as Vault stores them (numbers as json.Number): see claims.ts. */
  bound_claims: Record<string, unknown> | null;
  claim_mappings: Record<string, string> | null;
  user_claim: string;
  user_claim_json_pointer: boolean;
  groups_claim: string;
  oidc_scopes: string[] | null;
  allowed_redirect_uris: string[] | null;
  verbose_oidc_logging: boolean;
  max_age: number;
}

export const ROLE_FIELDS = [
  'name',
  'role_type',
  'expiration_leeway',
  'not_before_leeway',
  'clock_skew_leeway',
  'bound_subject',
  'bound_audiences',
  'bound_claims_type',
  'bound_claims',
  'claim_mappings',
  'user_claim',
  'user_claim_json_pointer',
  'groups_claim',
  'oidc_scopes',
  'allowed_redirect_uris',
  'verbose_oidc_logging',
  'max_age',
  ...TOKEN_FIELDS,
  ...LEGACY_TOKEN_FIELDS,
];

function newRole(): JwtRole {
  return {
    role_type: 'oidc',
    params: newTokenParams(),
    legacy: newLegacyFields(),
    expiration_leeway: 0,
    not_before_leeway: 0,
    clock_skew_leeway: 0,
    bound_audiences: null,
    bound_subject: '',
    bound_claims_type: 'string',
    bound_claims: null,
    claim_mappings: null,
    user_claim: '',
    user_claim_json_pointer: false,
    groups_claim: '',
    oidc_scopes: null,
    allowed_redirect_uris: null,
    verbose_oidc_logging: false,
    max_age: 0,
  };
}

/**
 * pathRoleCreateUpdate, check by check. Two quirks kept because they surprise operators the same
 * way on a real Vault: `role_type` and `bound_claims_type` are re-read on every write, so an
 * update that leaves them out turns the role back into an `oidc` role with string-matched claims.
 */
export function writeJwtRole(
  data: Record<string, unknown>,
  previous: JwtRole | undefined,
  mountMaxTtl: number,
): { role: JwtRole; warnings: string[] } {
  const role: JwtRole = previous
    ? { ...structuredClone(previous), bound_claims: previous.bound_claims && { ...previous.bound_claims } }
    : newRole();

  const roleType = str(data, 'role_type') || 'oidc';
  if (roleType !== 'jwt' && roleType !== 'oidc') throw badRequest(`invalid 'role_type': ${roleType}`);
  role.role_type = roleType;

  parseTokenFields(data, role.params);
  upgradeLegacyFields(data, role.params, role.legacy);

  if (role.params.token_period > mountMaxTtl) {
    throw badRequest(
      `'period' of '${goQuote(goDurationString(role.params.token_period))}' is greater than the backend's maximum lease TTL of '${goQuote(goDurationString(mountMaxTtl))}'`,
    );
  }
  if (given(data, 'expiration_leeway')) role.expiration_leeway = duration(data, 'expiration_leeway');
  if (given(data, 'not_before_leeway')) role.not_before_leeway = duration(data, 'not_before_leeway');
  if (given(data, 'clock_skew_leeway')) role.clock_skew_leeway = duration(data, 'clock_skew_leeway');
  if (given(data, 'bound_audiences')) role.bound_audiences = list(data, 'bound_audiences') ?? [];
  if (given(data, 'bound_subject')) role.bound_subject = str(data, 'bound_subject');
  if (given(data, 'verbose_oidc_logging'))
    role.verbose_oidc_logging = bool(data, 'verbose_oidc_logging', false);
  if (given(data, 'max_age')) role.max_age = duration(data, 'max_age');

  const claimsType = str(data, 'bound_claims_type') || 'string';
  if (claimsType !== 'string' && claimsType !== 'glob') {
    throw badRequest(`invalid 'bound_claims_type': ${claimsType}`);
  }
  role.bound_claims_type = claimsType;
  if (given(data, 'bound_claims')) {
    role.bound_claims = mapField(data, 'bound_claims');
    if (claimsType === 'glob') checkGlobClaims(role.bound_claims);
  }

  if (given(data, 'claim_mappings')) {
    const mappings = kvPairs(data, 'claim_mappings');
    const targets = new Set<string>();
    for (const target of Object.values(mappings)) {
      if (target === 'role') {
        throw badRequest(`metadata key ${goQuote(target)} is reserved and may not be a mapping destination`);
      }
      if (targets.has(target))
        throw badRequest(`multiple keys are mapped to metadata key ${goQuote(target)}`);
      targets.add(target);
    }
    role.claim_mappings = mappings;
  }

  if (given(data, 'user_claim')) role.user_claim = str(data, 'user_claim');
  if (role.user_claim === '') throw badRequest('a user claim must be defined on the role');
  if (given(data, 'user_claim_json_pointer')) {
    role.user_claim_json_pointer = bool(data, 'user_claim_json_pointer', false);
  }
  if (given(data, 'groups_claim')) role.groups_claim = str(data, 'groups_claim');
  if (given(data, 'oidc_scopes')) role.oidc_scopes = list(data, 'oidc_scopes') ?? [];
  if (given(data, 'allowed_redirect_uris'))
    role.allowed_redirect_uris = list(data, 'allowed_redirect_uris') ?? [];

  if (role.role_type === 'oidc' && (role.allowed_redirect_uris ?? []).length === 0) {
    throw badRequest("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
  }
  if (
    role.role_type !== 'oidc' &&
    (role.bound_audiences ?? []).length === 0 &&
    role.params.token_bound_cidrs.length === 0 &&
    role.bound_subject === '' &&
    Object.keys(role.bound_claims ?? {}).length === 0
  ) {
    throw badRequest('must have at least one bound constraint when creating/updating a role');
  }
  if (role.params.token_max_ttl > 0 && role.params.token_ttl > role.params.token_max_ttl) {
    throw badRequest('ttl should not be greater than max ttl');
  }
  const warnings: string[] = [];
  if (role.params.token_max_ttl > mountMaxTtl) {
    warnings.push(
      "token max ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    );
  }
  if (role.verbose_oidc_logging) {
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

/** framework.TypeMap: a JSON object (or a JSON string holding one). */
function mapField(data: Record<string, unknown>, key: string): Record<string, unknown> {
  let value = data[key];
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      // reported below
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(
      `error converting input ${JSON.stringify(data[key])} for field "${key}": expected a map`,
    );
  }
  return fromRequestJson(value) as Record<string, unknown>;
}

/** framework.TypeKVPairs: an object of strings, or a list of "key=value" strings. */
function kvPairs(data: Record<string, unknown>, key: string): Record<string, string> {
  const value = data[key];
  const fail = () =>
    badRequest(
      `error converting input ${JSON.stringify(value)} for field "${key}": expected key=value pairs`,
    );
  if (Array.isArray(value) || typeof value === 'string') {
    const items = Array.isArray(value) ? value : value.split(',');
    const out: Record<string, string> = {};
    for (const item of items) {
      if (typeof item !== 'string') throw fail();
      const at = item.indexOf('=');
      if (at <= 0) throw fail();
      out[item.slice(0, at).trim()] = item.slice(at + 1).trim();
    }
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'object' && v !== null) throw fail();
      out[k] = String(v);
    }
    return out;
  }
  throw fail();
}

/** pathRoleRead. */
export function jwtRoleView(role: JwtRole): Record<string, unknown> {
  return {
    role_type: role.role_type,
    expiration_leeway: role.expiration_leeway,
    not_before_leeway: role.not_before_leeway,
    clock_skew_leeway: role.clock_skew_leeway,
    bound_audiences: role.bound_audiences,
    bound_subject: role.bound_subject,
    bound_claims_type: role.bound_claims_type,
    bound_claims: role.bound_claims && toResponseJson(role.bound_claims),
    claim_mappings: role.claim_mappings,
    user_claim: role.user_claim,
    user_claim_json_pointer: role.user_claim_json_pointer,
    groups_claim: role.groups_claim,
    allowed_redirect_uris: role.allowed_redirect_uris,
    oidc_scopes: role.oidc_scopes,
    verbose_oidc_logging: role.verbose_oidc_logging,
    max_age: role.max_age,
    ...tokenData(role.params),
    ...legacyData(role.params, role.legacy),
  };
}
