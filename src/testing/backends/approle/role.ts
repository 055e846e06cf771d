import { randomUUID } from 'node:crypto';
import { goDurationString, goQuote } from '../../core/go-format';
import { badRequest, VaultError } from '../../core/vault-error';
import {
  given,
  newTokenParams,
  parseTokenFields,
  TOKEN_FIELDS,
  type TokenParams,
  tokenData,
} from '../auth-common/token-params';
import { bool, duration, int, list, str } from '../fields';
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
  params: TokenParams;
  /** AppRole upgrades only these two deprecated names (the others never existed on it). */
  legacy: { policies: string[]; period: number };
}

export const ROLE_FIELDS = [
  'role_name',
  'bind_secret_id',
  'bound_cidr_list',
  'secret_id_bound_cidrs',
  'policies',
  'secret_id_num_uses',
  'secret_id_ttl',
  'period',
  'role_id',
  'local_secret_ids',
  ...TOKEN_FIELDS,
];

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
  data: Record<string, unknown>,
  name: string,
  previous: AppRole | undefined,
  mountMaxTtl: number,
): RoleWrite {
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
        params: newTokenParams(),
        legacy: { policies: [], period: 0 },
      };
  const warnings: string[] = [];
  const fields = { ...data };
  // A backwards-compatibility case of the handler: the old "default-*" token types.
  if (fields.token_type === 'default-service' || fields.token_type === 'default-batch') {
    const type = fields.token_type.slice('default-'.length);
    fields.token_type = type;
    warnings.push(`${String(data.token_type)} has no useful meaning; adjusting to ${type}`);
  }
  parseTokenFields(fields, role.params);

  if (given(fields, 'local_secret_ids')) {
    if (!creating) throw badRequest('local_secret_ids can only be modified during role creation');
    role.local_secret_ids = bool(fields, 'local_secret_ids', false);
  }
  if (given(fields, 'role_id')) role.role_id = str(fields, 'role_id');
  else if (creating) role.role_id = randomUUID();
  if (role.role_id === '') throw badRequest('invalid role_id supplied, or failed to generate a role_id');

  if (given(fields, 'bind_secret_id')) role.bind_secret_id = bool(fields, 'bind_secret_id', true);
  const cidrKey = given(fields, 'secret_id_bound_cidrs') ? 'secret_id_bound_cidrs' : 'bound_cidr_list';
  if (given(fields, cidrKey)) role.secret_id_bound_cidrs = list(fields, cidrKey) ?? [];
  const cidrs = role.secret_id_bound_cidrs ?? [];
  if (cidrs.length > 0) {
    const bad = invalidCidr(cidrs);
    if (bad) throw VaultError.wrapped(500, `failed to validate CIDR blocks: ${bad}`);
  }
  if (given(fields, 'secret_id_num_uses')) role.secret_id_num_uses = int(fields, 'secret_id_num_uses', 0);
  if (role.secret_id_num_uses < 0) throw badRequest('secret_id_num_uses cannot be negative');
  if (given(fields, 'secret_id_ttl')) role.secret_id_ttl = duration(fields, 'secret_id_ttl');

  // tokenutil.UpgradeValue for the two deprecated names AppRole had.
  if (!given(fields, 'token_policies')) {
    if (given(fields, 'policies'))
      role.params.token_policies = role.legacy.policies = list(fields, 'policies') ?? [];
  } else role.legacy.policies = given(fields, 'policies') ? role.params.token_policies : [];
  if (!given(fields, 'token_period')) {
    if (given(fields, 'period')) role.params.token_period = role.legacy.period = duration(fields, 'period');
  } else role.legacy.period = given(fields, 'period') ? role.params.token_period : 0;

  // Only the deprecated copy is compared (a token_period beyond it is capped at login instead).
  if (role.legacy.period > mountMaxTtl) {
    throw badRequest(
      `period of ${goQuote(goDurationString(role.legacy.period))} is greater than the backend's maximum lease TTL of ${goQuote(goDurationString(mountMaxTtl))}`,
    );
  }
  if (role.params.token_max_ttl > mountMaxTtl) {
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
    role.bind_secret_id ||
    (role.secret_id_bound_cidrs ?? []).length > 0 ||
    role.params.token_bound_cidrs.length > 0
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
    ...tokenData(role.params),
  };
  if (role.legacy.period !== 0) view.period = role.legacy.period;
  if (role.legacy.policies.length > 0) view.policies = [...role.legacy.policies];
  return view;
}
