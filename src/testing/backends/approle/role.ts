import { randomUUID } from 'node:crypto';
import { field } from '../../core/fields';
import { goDurationString, goQuote } from '../../core/go-format';
import type { RouteInput } from '../../core/routes';
import { badRequest, VaultError } from '../../core/vault-error';
import {
  defaultTokenParams,
  parsePolicies,
  parseTokenFields,
  TOKEN_FIELDS,
  type TokenParams,
  tokenData,
} from '../shared/token-fields';
import { invalidCidr } from './cidr-rules';

/** An AppRole role (builtin/credential/approle/path_role.go roleStorageEntry). */
export interface AppRole {
  /** Lower-cased: roles are found case-insensitively. */
  name: string;
  role_id: string;
  bind_secret_id: boolean;
  /** Go's nil slice until set: reads back as null. */
  secret_id_bound_cidrs: string[] | null;
  secret_id_num_uses: number;
  secret_id_ttl: number;
  local_secret_ids: boolean;
  token: TokenParams;
  /** AppRole upgrades only these two deprecated names (the others never existed on it). */
  legacy: { policies: string[]; period: number };
}

/** path_role.go's role fields: its own, tokenutil's, and the two deprecated names AppRole had. */
export const ROLE_FIELDS = {
  role_name: field('string', 'Name of the role. Must be less than 4096 bytes.'),
  bind_secret_id: field('bool', 'Impose secret_id to be presented when logging in using this role.', true),
  bound_cidr_list: field('commaStringSlice', "Use 'secret_id_bound_cidrs' instead."),
  secret_id_bound_cidrs: field(
    'commaStringSlice',
    'CIDR blocks from which logins with this role are allowed.',
  ),
  policies: field('commaStringSlice', "Use 'token_policies' instead."),
  secret_id_num_uses: field('int', 'Number of times a SecretID can access the role, after which it expires.'),
  secret_id_ttl: field('duration', 'Duration in seconds after which the issued SecretID should expire.'),
  period: field('duration', "Use 'token_period' instead."),
  role_id: field('string', 'Identifier of the role. Defaults to a UUID.'),
  local_secret_ids: field('bool', 'If set, the secret IDs generated using this role will be cluster local.'),
  ...TOKEN_FIELDS,
} as const;

/** role_name and secret IDs are HMACed with at most this many bytes (validation.go maxHmacInputLength). */
export const MAX_HMAC_INPUT = 4096;

export interface RoleWrite {
  role: AppRole;
  warnings: string[];
}

/**
 * pathRoleCreateUpdate, in its order. Fields left out of an update keep their values; on create
 * they take their defaults (bind_secret_id true, a random role_id).
 */
export function writeAppRole(
  input: RouteInput<typeof ROLE_FIELDS>,
  name: string,
  previous: AppRole | undefined,
  mountMaxTtl: number,
): RoleWrite {
  const { fields, has } = input;
  if (Buffer.byteLength(name) > MAX_HMAC_INPUT) {
    throw badRequest(`role_name is longer than maximum of ${MAX_HMAC_INPUT} bytes`);
  }
  const creating = previous === undefined;
  const role: AppRole = previous
    ? structuredClone(previous)
    : {
        name: name.toLowerCase(),
        role_id: '',
        bind_secret_id: true,
        secret_id_bound_cidrs: null,
        secret_id_num_uses: 0,
        secret_id_ttl: 0,
        local_secret_ids: false,
        token: defaultTokenParams(),
        legacy: { policies: [], period: 0 },
      };
  const warnings: string[] = [];
  let tokenInput = input;
  // A backwards-compatibility case of the handler: the old "default-*" token types.
  if (
    has('token_type') &&
    (fields.token_type === 'default-service' || fields.token_type === 'default-batch')
  ) {
    const type = fields.token_type.slice('default-'.length);
    warnings.push(`${fields.token_type} has no useful meaning; adjusting to ${type}`);
    tokenInput = { ...input, fields: { ...fields, token_type: type } };
  }
  parseTokenFields(tokenInput, role.token);

  if (has('local_secret_ids')) {
    if (!creating) throw badRequest('local_secret_ids can only be modified during role creation');
    role.local_secret_ids = fields.local_secret_ids;
  }
  if (has('role_id')) role.role_id = fields.role_id;
  else if (creating) role.role_id = randomUUID();
  if (role.role_id === '') throw badRequest('invalid role_id supplied, or failed to generate a role_id');

  if (has('bind_secret_id')) role.bind_secret_id = fields.bind_secret_id;
  // data.GetFirst: the current name first, the deprecated one otherwise.
  if (has('secret_id_bound_cidrs')) role.secret_id_bound_cidrs = fields.secret_id_bound_cidrs;
  else if (has('bound_cidr_list')) role.secret_id_bound_cidrs = fields.bound_cidr_list;
  const cidrs = role.secret_id_bound_cidrs ?? [];
  if (cidrs.length > 0) {
    const bad = invalidCidr(cidrs);
    if (bad) throw VaultError.wrapped(500, `failed to validate CIDR blocks: ${bad}`);
  }
  if (has('secret_id_num_uses')) role.secret_id_num_uses = fields.secret_id_num_uses;
  if (role.secret_id_num_uses < 0) throw badRequest('secret_id_num_uses cannot be negative');
  if (has('secret_id_ttl')) role.secret_id_ttl = fields.secret_id_ttl;

  // tokenutil.UpgradeValue for the two deprecated names AppRole had.
  if (!has('token_policies')) {
    if (has('policies')) role.token.policies = role.legacy.policies = parsePolicies(fields.policies);
  } else role.legacy.policies = has('policies') ? role.token.policies : [];
  if (!has('token_period')) {
    if (has('period')) role.token.period = role.legacy.period = fields.period;
  } else role.legacy.period = has('period') ? role.token.period : 0;

  // Only the deprecated copy is compared (a token_period beyond it is capped at login instead).
  if (role.legacy.period > mountMaxTtl) {
    throw badRequest(
      `period of ${goQuote(goDurationString(role.legacy.period))} is greater than the backend's maximum lease TTL of ${goQuote(goDurationString(mountMaxTtl))}`,
    );
  }
  if (role.token.maxTtl > mountMaxTtl) {
    warnings.push(
      "token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    );
  }
  // setRoleEntry's checks are plain errors: 500, or 400 when the handler already has warnings to answer with.
  if (!hasConstraint(role)) {
    throw VaultError.wrapped(
      warnings.length > 0 ? 400 : 500,
      'at least one constraint should be enabled on the role',
    );
  }
  return { role, warnings };
}

/** validateRoleConstraints: a login must need at least a secret ID or a known address. */
export function hasConstraint(role: AppRole): boolean {
  return (
    role.bind_secret_id || (role.secret_id_bound_cidrs ?? []).length > 0 || role.token.boundCidrs.length > 0
  );
}

/** pathRoleRead. */
export function appRoleView(role: AppRole): Record<string, unknown> {
  const view: Record<string, unknown> = {
    bind_secret_id: role.bind_secret_id,
    secret_id_bound_cidrs: role.secret_id_bound_cidrs,
    secret_id_num_uses: role.secret_id_num_uses,
    secret_id_ttl: role.secret_id_ttl,
    local_secret_ids: role.local_secret_ids,
    ...tokenData(role.token),
  };
  if (role.legacy.period !== 0) view.period = role.legacy.period;
  if (role.legacy.policies.length > 0) view.policies = [...role.legacy.policies];
  return view;
}
