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

/** path_role.go's fields, tokenutil's and the deprecated names it still upgrades. */
export const ROLE_FIELDS = {
  name: field('string', 'Name of the role.'),
  bound_service_account_names: field(
    'commaStringSlice',
    'List of service account names able to access this role. If set to "*" all names are allowed.',
  ),
  bound_service_account_namespaces: field(
    'commaStringSlice',
    'List of namespaces allowed to access this role. If set to "*" all namespaces are allowed.',
  ),
  bound_service_account_namespace_selector: field(
    'string',
    'A label selector for Kubernetes namespaces which are allowed to access this role.',
  ),
  audience: field('string', 'Optional Audience claim to verify in the jwt.'),
  alias_name_source: field('string', 'Source to use when deriving the Alias name.', 'serviceaccount_uid'),
  ...TOKEN_FIELDS,
  ...LEGACY_TOKEN_FIELDS,
} as const;

export interface KubernetesRole extends TokenSettings {
  boundServiceAccountNames: string[];
  boundServiceAccountNamespaces: string[];
  boundServiceAccountNamespaceSelector: string;
  audience: string;
  aliasNameSource: string;
}

const ALIAS_SOURCES = ['serviceaccount_uid', 'serviceaccount_name'];

/**
 * A role write in the plugin's order (path_role.go pathRoleCreateUpdate): tokenutil's
 * ParseTokenFields, the deprecated-field upgrade, then the role's own fields. Fields left out
 * keep their values, except the namespace selector, which the plugin always rereads.
 */
export function writeRole(
  input: RouteInput<typeof ROLE_FIELDS>,
  name: string,
  previous: KubernetesRole | undefined,
  mountMaxTtl: number,
): { role: KubernetesRole; warnings: string[] } {
  const { fields, has } = input;
  const role: KubernetesRole = previous
    ? structuredClone(previous)
    : {
        boundServiceAccountNames: [],
        boundServiceAccountNamespaces: [],
        boundServiceAccountNamespaceSelector: '',
        audience: '',
        aliasNameSource: '',
        ...defaultTokenSettings(),
      };
  parseTokenSettings(input, role);

  if (role.token.period > mountMaxTtl) {
    // Vault formats the durations with %q inside quotes, hence the doubled quoting.
    throw badRequest(
      `token period of '${goQuote(goDurationString(role.token.period))}' is greater than the backend's maximum lease TTL of '${goQuote(goDurationString(mountMaxTtl))}'`,
    );
  }
  if (role.token.maxTtl > 0 && role.token.ttl > role.token.maxTtl) {
    throw badRequest('token ttl should not be greater than token max ttl');
  }
  const warnings: string[] = [];
  if (role.token.maxTtl > mountMaxTtl) {
    warnings.push(
      "max_ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    );
  }

  if (has('bound_service_account_names') || !previous) {
    role.boundServiceAccountNames = fields.bound_service_account_names.filter((n) => n !== '');
  }
  if (role.boundServiceAccountNames.length === 0) {
    throw badRequest('"bound_service_account_names" can not be empty');
  }
  if (role.boundServiceAccountNames.length > 1 && role.boundServiceAccountNames.includes('*')) {
    throw badRequest('can not mix "*" with values');
  }
  if (has('bound_service_account_namespaces')) {
    role.boundServiceAccountNamespaces = fields.bound_service_account_namespaces.filter((n) => n !== '');
  }
  role.boundServiceAccountNamespaceSelector = fields.bound_service_account_namespace_selector;
  if (role.boundServiceAccountNamespaces.length === 0 && role.boundServiceAccountNamespaceSelector === '') {
    throw badRequest(
      '"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set',
    );
  }
  if (
    role.boundServiceAccountNamespaceSelector !== '' &&
    !validSelector(role.boundServiceAccountNamespaceSelector)
  ) {
    throw badRequest('invalid "bound_service_account_namespace_selector" configured');
  }
  if (role.boundServiceAccountNamespaces.length > 1 && role.boundServiceAccountNamespaces.includes('*')) {
    throw badRequest('can not mix "*" with values');
  }
  if (has('audience')) role.audience = fields.audience;
  if (role.audience.trim() === '') {
    warnings.push(
      `Role ${name} does not have an audience configured. While audiences are not required, consider specifying one if your use case would benefit from additional JWT claim verification.`,
    );
  }
  // An explicit empty source on a role that has none keeps the default, as the plugin does.
  if (has('alias_name_source') && !(role.aliasNameSource === '' && fields.alias_name_source === '')) {
    role.aliasNameSource = fields.alias_name_source;
  } else if (role.aliasNameSource === '') {
    role.aliasNameSource = 'serviceaccount_uid';
  }
  if (!ALIAS_SOURCES.includes(role.aliasNameSource)) {
    throw badRequest(`invalid alias_name_source, must be one of: ${ALIAS_SOURCES.join(', ')}`);
  }
  return { role, warnings };
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

/** pathRoleRead: the role's fields, the token fields, the deprecated ones that are set, the alias source. */
export function roleView(role: KubernetesRole): Record<string, unknown> {
  return {
    bound_service_account_names: role.boundServiceAccountNames,
    bound_service_account_namespaces: role.boundServiceAccountNamespaces,
    bound_service_account_namespace_selector: role.boundServiceAccountNamespaceSelector,
    ...(role.audience ? { audience: role.audience } : {}),
    ...tokenSettingsData(role),
    alias_name_source: role.aliasNameSource,
  };
}
