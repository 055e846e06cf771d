import { badRequest } from '../core/vault-error';
import { bool, duration, int, list, str } from './fields';

export interface KubernetesRole {
  bound_service_account_names: string[];
  bound_service_account_namespaces: string[];
  bound_service_account_namespace_selector: string;
  audience: string;
  alias_name_source: string;
  token_ttl: number;
  token_max_ttl: number;
  token_explicit_max_ttl: number;
  token_period: number;
  token_policies: string[];
  token_no_default_policy: boolean;
  token_num_uses: number;
  token_type: string;
  token_bound_cidrs: string[];
  /** Legacy field names the role was written with; Vault echoes those back on read. */
  legacy: Set<string>;
}

/** Pairs of (current, deprecated) token field names that Vault's tokenutil accepts. */
const LEGACY_NAMES = [
  ['token_ttl', 'ttl'],
  ['token_max_ttl', 'max_ttl'],
  ['token_period', 'period'],
  ['token_policies', 'policies'],
  ['token_num_uses', 'num_uses'],
  ['token_bound_cidrs', 'bound_cidrs'],
] as const;

const TOKEN_TYPES = ['default', 'service', 'batch', 'default-service', 'default-batch'];

/** Validates a role write against the existing role (fields left out keep their values). */
export function writeRole(
  input: Record<string, unknown>,
  previous: KubernetesRole | undefined,
  mountMaxTtl: number,
): { role: KubernetesRole; warnings: string[] } {
  const data = { ...input };
  const legacy = new Set(previous?.legacy ?? []);
  for (const [current, old] of LEGACY_NAMES) {
    if (data[current] === undefined && data[old] !== undefined) {
      data[current] = data[old];
      legacy.add(old);
    }
  }
  const names = list(data, 'bound_service_account_names') ?? previous?.bound_service_account_names ?? [];
  if (names.length === 0) throw badRequest('"bound_service_account_names" can not be empty');
  if (names.length > 1 && names.includes('*')) throw badRequest('can not mix "*" with values');
  const namespaces =
    list(data, 'bound_service_account_namespaces') ?? previous?.bound_service_account_namespaces ?? [];
  const selector = str(
    data,
    'bound_service_account_namespace_selector',
    previous?.bound_service_account_namespace_selector ?? '',
  );
  if (namespaces.length === 0 && selector === '') {
    throw badRequest(
      '"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set',
    );
  }
  if (namespaces.length > 1 && namespaces.includes('*')) throw badRequest('can not mix "*" with values');
  const tokenType = str(data, 'token_type', previous?.token_type ?? 'default');
  if (!TOKEN_TYPES.includes(tokenType)) throw badRequest(`invalid 'token_type' value "${tokenType}"`);
  const aliasSource = str(data, 'alias_name_source', previous?.alias_name_source ?? 'serviceaccount_uid');
  if (aliasSource !== 'serviceaccount_uid' && aliasSource !== 'serviceaccount_name') {
    throw badRequest(`invalid alias_name_source: ${aliasSource}`);
  }
  const role: KubernetesRole = {
    bound_service_account_names: names,
    bound_service_account_namespaces: namespaces,
    bound_service_account_namespace_selector: selector,
    audience: str(data, 'audience', previous?.audience ?? ''),
    alias_name_source: aliasSource,
    token_ttl: duration(data, 'token_ttl', previous?.token_ttl ?? 0),
    token_max_ttl: duration(data, 'token_max_ttl', previous?.token_max_ttl ?? 0),
    token_explicit_max_ttl: duration(data, 'token_explicit_max_ttl', previous?.token_explicit_max_ttl ?? 0),
    token_period: duration(data, 'token_period', previous?.token_period ?? 0),
    token_policies: list(data, 'token_policies') ?? previous?.token_policies ?? [],
    token_no_default_policy: bool(
      data,
      'token_no_default_policy',
      previous?.token_no_default_policy ?? false,
    ),
    token_num_uses: int(data, 'token_num_uses', previous?.token_num_uses ?? 0),
    token_type: tokenType,
    token_bound_cidrs: list(data, 'token_bound_cidrs') ?? previous?.token_bound_cidrs ?? [],
    legacy,
  };
  if (role.token_max_ttl > 0 && role.token_ttl > role.token_max_ttl) {
    throw badRequest('token ttl should not be greater than token max ttl');
  }
  const warnings: string[] = [];
  if (role.token_max_ttl > mountMaxTtl) {
    warnings.push(
      "max_ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    );
  }
  return { role, warnings };
}

export function roleView(role: KubernetesRole): Record<string, unknown> {
  const view: Record<string, unknown> = {
    bound_service_account_names: role.bound_service_account_names,
    bound_service_account_namespaces: role.bound_service_account_namespaces,
    bound_service_account_namespace_selector: role.bound_service_account_namespace_selector,
    alias_name_source: role.alias_name_source,
    token_ttl: role.token_ttl,
    token_max_ttl: role.token_max_ttl,
    token_explicit_max_ttl: role.token_explicit_max_ttl,
    token_period: role.token_period,
    token_policies: role.token_policies,
    token_no_default_policy: role.token_no_default_policy,
    token_num_uses: role.token_num_uses,
    token_type: role.token_type,
    token_bound_cidrs: role.token_bound_cidrs,
  };
  if (role.audience) view.audience = role.audience;
  const legacyValues: Record<string, unknown> = {
    ttl: role.token_ttl,
    max_ttl: role.token_max_ttl,
    period: role.token_period,
    policies: role.token_policies,
    num_uses: role.token_num_uses,
    bound_cidrs: role.token_bound_cidrs,
  };
  for (const name of role.legacy) view[name] = legacyValues[name];
  return view;
}
