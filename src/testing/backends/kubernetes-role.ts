import { goDurationString, goQuote } from '../core/go-format';
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
  token_type: 'default' | 'service' | 'batch';
  token_bound_cidrs: string[];
  /** The deprecated fields as stored (tokenutil.UpgradeValue); Vault echoes the non-empty ones. */
  legacy: LegacyFields;
}

interface LegacyFields {
  policies: string[];
  bound_cidrs: string[];
  num_uses: number;
  ttl: number;
  max_ttl: number;
  period: number;
}

const ALIAS_SOURCES = ['serviceaccount_uid', 'serviceaccount_name'];
const given = (data: Record<string, unknown>, key: string) => data[key] !== undefined && data[key] !== null;

/**
 * A role write in the plugin's order (path_role.go pathRoleCreateUpdate): tokenutil's
 * ParseTokenFields, the deprecated-field upgrade, then the role's own fields. Fields left out
 * keep their values, except the namespace selector, which the plugin always rereads.
 */
export function writeRole(
  data: Record<string, unknown>,
  name: string,
  previous: KubernetesRole | undefined,
  mountMaxTtl: number,
): { role: KubernetesRole; warnings: string[] } {
  const role: KubernetesRole = previous
    ? { ...previous, legacy: { ...previous.legacy } }
    : {
        bound_service_account_names: [],
        bound_service_account_namespaces: [],
        bound_service_account_namespace_selector: '',
        audience: '',
        alias_name_source: '',
        token_ttl: 0,
        token_max_ttl: 0,
        token_explicit_max_ttl: 0,
        token_period: 0,
        token_policies: [],
        token_no_default_policy: false,
        token_num_uses: 0,
        token_type: 'default',
        token_bound_cidrs: [],
        legacy: { policies: [], bound_cidrs: [], num_uses: 0, ttl: 0, max_ttl: 0, period: 0 },
      };
  parseTokenFields(data, role);
  upgradeLegacy(data, role);

  if (role.token_period > mountMaxTtl) {
    // Vault formats the durations with %q inside quotes, hence the doubled quoting.
    throw badRequest(
      `token period of '${goQuote(goDurationString(role.token_period))}' is greater than the backend's maximum lease TTL of '${goQuote(goDurationString(mountMaxTtl))}'`,
    );
  }
  if (role.token_max_ttl > 0 && role.token_ttl > role.token_max_ttl) {
    throw badRequest('token ttl should not be greater than token max ttl');
  }
  const warnings: string[] = [];
  if (role.token_max_ttl > mountMaxTtl) {
    warnings.push(
      "max_ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    );
  }

  if (given(data, 'bound_service_account_names') || !previous) {
    role.bound_service_account_names = list(data, 'bound_service_account_names') ?? [];
  }
  if (role.bound_service_account_names.length === 0) {
    throw badRequest('"bound_service_account_names" can not be empty');
  }
  if (role.bound_service_account_names.length > 1 && role.bound_service_account_names.includes('*')) {
    throw badRequest('can not mix "*" with values');
  }
  const namespaces = list(data, 'bound_service_account_namespaces');
  if (namespaces) role.bound_service_account_namespaces = namespaces;
  role.bound_service_account_namespace_selector = str(data, 'bound_service_account_namespace_selector');
  if (
    role.bound_service_account_namespaces.length === 0 &&
    role.bound_service_account_namespace_selector === ''
  ) {
    throw badRequest(
      '"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set',
    );
  }
  if (
    role.bound_service_account_namespace_selector !== '' &&
    !validSelector(role.bound_service_account_namespace_selector)
  ) {
    throw badRequest('invalid "bound_service_account_namespace_selector" configured');
  }
  if (
    role.bound_service_account_namespaces.length > 1 &&
    role.bound_service_account_namespaces.includes('*')
  ) {
    throw badRequest('can not mix "*" with values');
  }
  if (given(data, 'audience')) role.audience = str(data, 'audience');
  if (role.audience.trim() === '') {
    warnings.push(
      `Role ${name} does not have an audience configured. While audiences are not required, consider specifying one if your use case would benefit from additional JWT claim verification.`,
    );
  }
  const source = str(data, 'alias_name_source');
  if (given(data, 'alias_name_source') && !(role.alias_name_source === '' && source === '')) {
    role.alias_name_source = source;
  } else if (role.alias_name_source === '') {
    role.alias_name_source = 'serviceaccount_uid';
  }
  if (!ALIAS_SOURCES.includes(role.alias_name_source)) {
    throw badRequest(`invalid alias_name_source, must be one of: ${ALIAS_SOURCES.join(', ')}`);
  }
  return { role, warnings };
}

/** tokenutil.ParseTokenFields: only the `token_*` names, with its checks in its order. */
function parseTokenFields(data: Record<string, unknown>, role: KubernetesRole): void {
  if (given(data, 'token_bound_cidrs')) role.token_bound_cidrs = list(data, 'token_bound_cidrs') ?? [];
  if (given(data, 'token_explicit_max_ttl'))
    role.token_explicit_max_ttl = duration(data, 'token_explicit_max_ttl');
  if (given(data, 'token_max_ttl')) role.token_max_ttl = duration(data, 'token_max_ttl');
  if (role.token_max_ttl < 0) throw badRequest("'token_max_ttl' cannot be negative");
  if (given(data, 'token_no_default_policy'))
    role.token_no_default_policy = bool(data, 'token_no_default_policy', false);
  if (given(data, 'token_period')) role.token_period = duration(data, 'token_period');
  if (role.token_period < 0) throw badRequest("'token_period' cannot be negative");
  if (given(data, 'token_policies')) role.token_policies = list(data, 'token_policies') ?? [];
  if (given(data, 'token_type')) {
    const type = str(data, 'token_type');
    if (type === '' || type === 'default') role.token_type = 'default';
    else if (type === 'service' || type === 'batch') role.token_type = type;
    else throw badRequest(`invalid 'token_type' value ${goQuote(type)}`);
  }
  if (given(data, 'token_num_uses')) role.token_num_uses = int(data, 'token_num_uses', 0);
  if (role.token_num_uses < 0) throw badRequest("'token_num_uses' cannot be negative");
  if (role.token_type === 'batch') {
    if (role.token_period !== 0)
      throw badRequest(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens",
      );
    if (role.token_num_uses !== 0)
      throw badRequest(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count",
      );
  }
  if (given(data, 'token_ttl')) role.token_ttl = duration(data, 'token_ttl');
  if (role.token_ttl < 0) throw badRequest("'token_ttl' cannot be negative");
  if (role.token_ttl > 0 && role.token_max_ttl > 0 && role.token_ttl > role.token_max_ttl) {
    throw badRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
}

/**
 * tokenutil.UpgradeValue: a deprecated name given alone sets both fields; given with its new
 * name it follows the new one; a new name given alone clears the deprecated copy.
 */
function upgradeLegacy(data: Record<string, unknown>, role: KubernetesRole): void {
  const legacy = role.legacy;
  const durations = [
    ['ttl', 'token_ttl'],
    ['max_ttl', 'token_max_ttl'],
    ['period', 'token_period'],
  ] as const;
  for (const [old, current] of durations) {
    if (!given(data, current)) {
      if (given(data, old)) role[current] = legacy[old] = duration(data, old);
    } else legacy[old] = given(data, old) ? role[current] : 0;
  }
  if (!given(data, 'token_num_uses')) {
    if (given(data, 'num_uses')) role.token_num_uses = legacy.num_uses = int(data, 'num_uses', 0);
  } else legacy.num_uses = given(data, 'num_uses') ? role.token_num_uses : 0;
  const lists = [
    ['policies', 'token_policies'],
    ['bound_cidrs', 'token_bound_cidrs'],
  ] as const;
  for (const [old, current] of lists) {
    if (!given(data, current)) {
      if (given(data, old)) role[current] = legacy[old] = list(data, old) ?? [];
    } else legacy[old] = given(data, old) ? role[current] : [];
  }
}

/** The plugin accepts a JSON or YAML label selector with matchLabels; the mock takes JSON only. */
function validSelector(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { matchLabels?: unknown; matchExpressions?: unknown };
    return typeof parsed === 'object' && parsed !== null && parsed.matchExpressions === undefined;
  } catch {
    // YAML selectors are accepted unchecked.
    return !text.trim().startsWith('{');
  }
}

/** pathRoleRead: the token fields, then the deprecated ones that are set, then the alias source. */
export function roleView(role: KubernetesRole): Record<string, unknown> {
  const view: Record<string, unknown> = {
    bound_service_account_names: role.bound_service_account_names,
    bound_service_account_namespaces: role.bound_service_account_namespaces,
    bound_service_account_namespace_selector: role.bound_service_account_namespace_selector,
  };
  if (role.audience) view.audience = role.audience;
  Object.assign(view, {
    token_bound_cidrs: role.token_bound_cidrs,
    token_explicit_max_ttl: role.token_explicit_max_ttl,
    token_max_ttl: role.token_max_ttl,
    token_no_default_policy: role.token_no_default_policy,
    token_period: role.token_period,
    token_policies: role.token_policies,
    token_type: role.token_type,
    token_ttl: role.token_ttl,
    token_num_uses: role.token_num_uses,
  });
  const { legacy } = role;
  if (legacy.policies.length > 0) view.policies = role.token_policies;
  if (legacy.bound_cidrs.length > 0) view.bound_cidrs = role.token_bound_cidrs;
  if (legacy.ttl > 0) view.ttl = legacy.ttl;
  if (legacy.max_ttl > 0) view.max_ttl = legacy.max_ttl;
  if (legacy.period > 0) view.period = legacy.period;
  if (legacy.num_uses > 0) view.num_uses = legacy.num_uses;
  view.alias_name_source = role.alias_name_source;
  return view;
}
