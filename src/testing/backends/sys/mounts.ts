import { SYSTEM_MAX_TTL } from '../../core/durations';
import { field } from '../../core/fields';
import { goQuote } from '../../core/go-format';
import { parseDurationSecond } from '../../core/go-parse';
import type { Namespace } from '../../core/namespaces';
import { type DeclaredRoute, defineRoute } from '../../core/routes';
import type { MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest } from '../../core/vault-error';

/** Paths Vault will not mount at or unmount (mount.go protectedMounts). */
const PROTECTED = ['audit/', 'auth/', 'sys/', 'cubbyhole/', 'identity/'];

/** logical_system.go's fields for enabling a secrets engine or an auth method. */
const MOUNT_FIELDS = {
  path: field('string', 'The path to mount to. Example: "aws/east"'),
  type: field('string', 'The type of the backend. Example: "passthrough"'),
  description: field('string', 'User-friendly description for this mount.'),
  config: field('map', 'Configuration for this mount, such as default_lease_ttl and max_lease_ttl.'),
  local: field('bool', 'Mark the mount as a local mount, which is not replicated.', false),
  seal_wrap: field('bool', 'Whether to turn on seal wrapping for the mount.', false),
  external_entropy_access: field(
    'bool',
    "Whether to give the mount access to Vault's external entropy.",
    false,
  ),
  plugin_name: field(
    'string',
    'Name of the plugin to mount based from the name registered in the plugin catalog.',
  ),
  plugin_version: field(
    'string',
    'The semantic version of the plugin to use, or image tag if oci_image is provided.',
  ),
  options: field(
    'kvPairs',
    'The options to pass into the backend. Should be a json object with string keys and values.',
  ),
} as const;

/** logical_system.go's tune fields. */
const TUNE_FIELDS = {
  path: field('string', 'The path to mount to. Example: "aws/east"'),
  default_lease_ttl: field('string', 'The default lease TTL for this mount.'),
  max_lease_ttl: field('string', 'The max lease TTL for this mount.'),
  description: field('string', 'User-friendly description for this mount.'),
  audit_non_hmac_request_keys: field(
    'commaStringSlice',
    'Keys that will not be HMACed by audit devices in the request data object.',
  ),
  audit_non_hmac_response_keys: field(
    'commaStringSlice',
    'Keys that will not be HMACed by audit devices in the response data object.',
  ),
  listing_visibility: field(
    'string',
    'Determines the visibility of the mount in the UI-specific listing endpoint.',
  ),
  passthrough_request_headers: field(
    'commaStringSlice',
    'A list of headers to whitelist and pass from the request to the plugin.',
  ),
  allowed_response_headers: field(
    'commaStringSlice',
    'A list of headers to whitelist and allow a plugin to set on responses.',
  ),
  token_type: field('string', 'The type of token to issue (service or batch).'),
  options: field('kvPairs', 'The options to pass into the backend.'),
  plugin_version: field('string', 'The semantic version of the plugin to use.'),
} as const;

/** `sys/mounts` and `sys/auth`: enabling, listing, tuning and disabling engines and auth methods. */
export function mountRoutes(core: VaultCore): DeclaredRoute[] {
  return [...table(core, 'mounts', ''), ...table(core, 'auth', 'auth/')];
}

/** A mount TTL as handleMount and handleTuneWriteCommon read it: "" keeps, "system" resets. */
function mountTtl(text: string, what: 'default' | 'max'): number | undefined {
  if (text === '') return undefined;
  if (text === 'system') return 0;
  try {
    return parseDurationSecond(text);
  } catch (error) {
    throw badRequest(`unable to parse ${what} TTL of ${text}: ${(error as Error).message}`);
  }
}

/** The mount config as mapstructure.Decode reads it: string-like TTLs, anything else refused. */
function configTtl(config: Record<string, unknown>, key: string): string {
  const value = config[key];
  if (value === undefined || value === null) return '';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw badRequest('unable to convert given mount config information');
}

function table(core: VaultCore, root: 'mounts' | 'auth', prefix: string): DeclaredRoute[] {
  const kind = prefix === '' ? 'secret' : 'auth';
  const isKind = (info: MountInfo) =>
    prefix === '' ? !info.path.startsWith('auth/') : info.path.startsWith('auth/');
  const fullPath = (name: string) => `${prefix}${name.replace(/^\/+|\/+$/g, '')}/`;
  const listing = (namespace: Namespace) => {
    const data: Record<string, unknown> = {};
    for (const info of namespace.mounts.list(isKind))
      data[info.path.slice(prefix.length)] = describeMount(info);
    return { data, injectDataIntoTop: true };
  };
  // The messages below are Vault's handleError strings: 400 with the text verbatim.
  const sysView = (namespace: Namespace, name: string) => {
    const path = fullPath(name);
    const mounted = namespace.mounts.get(path);
    if (!mounted) throw badRequest(`cannot fetch sysview for path ${goQuote(path)}`);
    return mounted.info;
  };
  const tunable = (namespace: Namespace, name: string) => {
    const path = fullPath(name);
    const mounted = namespace.mounts.get(path);
    if (!mounted) throw badRequest(`tune of path ${goQuote(path)} failed: no mount entry found`);
    return mounted.info;
  };
  const described = (namespace: Namespace, name: string) => {
    const info = namespace.mounts.get(fullPath(name))?.info;
    const shown = fullPath(name).slice(prefix.length);
    if (!info)
      throw badRequest(prefix === '' ? `No secret engine mount at ${shown}` : `No auth engine at ${shown}`);
    return info;
  };
  return [
    defineRoute({ pattern: root, handlers: { read: (req) => listing(req.namespace) } }),
    defineRoute({
      pattern: `${root}/*path/tune`,
      fields: TUNE_FIELDS,
      handlers: {
        read: (req, { params }) => ({ data: tuneView(sysView(req.namespace, params.path)) }),
        update: (req, { fields, has, params }) => {
          const info = tunable(req.namespace, params.path);
          const defaultTtl = mountTtl(fields.default_lease_ttl, 'default');
          const maxTtl = mountTtl(fields.max_lease_ttl, 'max');
          if (defaultTtl !== undefined) info.defaultLeaseTtl = defaultTtl;
          if (maxTtl !== undefined) info.maxLeaseTtl = maxTtl;
          if (has('description')) info.description = fields.description;
          return null;
        },
      },
    }),
    defineRoute({
      pattern: `${root}/*path`,
      fields: MOUNT_FIELDS,
      handlers: {
        read: (req, { params }) => ({ data: describeMount(described(req.namespace, params.path)) }),
        update: (req, { fields, params }) => {
          const path = fullPath(params.path);
          let type = fields.type;
          if (type === '') throw badRequest('backend type must be specified as a string');
          const options = { ...fields.options };
          if (type === 'kv-v2') {
            type = 'kv';
            options.version = '2';
          }
          if (prefix === 'auth/' && type === 'token')
            throw badRequest('token credential backend cannot be instantiated');
          if (prefix === '' && PROTECTED.some((protectedPath) => path.startsWith(protectedPath)))
            throw badRequest(`cannot mount ${goQuote(path)}`);
          if (core.engines.get(type)?.kind !== kind)
            throw badRequest(`plugin not found in the catalog: ${type}`);
          const conflict = req.namespace.mounts.conflicts(path);
          if (conflict) throw badRequest(`path is already in use at ${conflict.slice(prefix.length)}`);
          const config = fields.config ?? {};
          const defaultTtl = mountTtl(configTtl(config, 'default_lease_ttl'), 'default') ?? 0;
          const maxTtl = mountTtl(configTtl(config, 'max_lease_ttl'), 'max') ?? 0;
          if (maxTtl !== 0 && defaultTtl > maxTtl)
            throw badRequest('given default lease TTL greater than given max lease TTL');
          if (defaultTtl > SYSTEM_MAX_TTL && maxTtl === 0) {
            throw badRequest(
              `given default lease TTL greater than system max lease TTL of ${SYSTEM_MAX_TTL}`,
            );
          }
          core.mount(
            path,
            type,
            { description: fields.description, defaultLeaseTtl: defaultTtl, maxLeaseTtl: maxTtl, options },
            req.namespace,
          );
          return null;
        },
        delete: async (req, { params }) => {
          const path = fullPath(params.path);
          // Unmounting what is not mounted succeeds, so as not to reveal whether it existed.
          if (!req.namespace.mounts.get(path)) return null;
          if (path === 'auth/token/') throw badRequest('token credential backend cannot be disabled');
          if (PROTECTED.some((protectedPath) => path.startsWith(protectedPath)) && prefix === '')
            throw badRequest(`cannot unmount ${goQuote(path)}`);
          await core.unmount(path, req.namespace);
          return null;
        },
      },
    }),
  ];
}

function tuneView(info: MountInfo): Record<string, unknown> {
  return {
    default_lease_ttl: info.defaultLeaseTtl || SYSTEM_MAX_TTL,
    max_lease_ttl: info.maxLeaseTtl || SYSTEM_MAX_TTL,
    force_no_cache: false,
    description: info.description,
    options: Object.keys(info.options).length ? info.options : null,
  };
}

/** mountInfo (logical_system.go): a mount as `sys/mounts` and `sys/internal/ui/mounts` show it. */
export function describeMount(info: MountInfo): Record<string, unknown> {
  return {
    accessor: info.accessor,
    config: {
      default_lease_ttl: info.defaultLeaseTtl,
      max_lease_ttl: info.maxLeaseTtl,
      force_no_cache: false,
    },
    description: info.description,
    external_entropy_access: false,
    local: false,
    options: Object.keys(info.options).length ? info.options : null,
    plugin_version: '',
    running_plugin_version: 'v0.0.0+builtin',
    seal_wrap: false,
    type: info.type,
    uuid: info.uuid,
  };
}
