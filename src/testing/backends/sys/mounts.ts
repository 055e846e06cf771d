import { SYSTEM_MAX_TTL } from '../../core/durations';
import type { Route } from '../../core/routes';
import type { MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest, VaultError } from '../../core/vault-error';
import { duration, str } from '../fields';

/** Mounts a test may not remove or shadow, as in Vault. */
const PROTECTED = ['sys/', 'auth/token/', 'cubbyhole/', 'identity/'];

/** `sys/mounts` and `sys/auth`: enabling, listing, tuning and disabling engines and auth methods. */
export function mountRoutes(core: VaultCore): Route[] {
  return [...table(core, 'mounts', ''), ...table(core, 'auth', 'auth/')];
}

function table(core: VaultCore, root: 'mounts' | 'auth', prefix: string): Route[] {
  const isKind = (info: MountInfo) =>
    prefix === '' ? !info.path.startsWith('auth/') : info.path.startsWith('auth/');
  const fullPath = (name: string) => `${prefix}${name.replace(/^\/+|\/+$/g, '')}/`;
  const listing = () => {
    const data: Record<string, unknown> = {};
    for (const info of core.mounts.list(isKind)) data[info.path.slice(prefix.length)] = describe(info);
    return { data, injectDataIntoTop: true };
  };
  return [
    { pattern: root, handlers: { read: listing } },
    {
      pattern: `${root}/*path/tune`,
      handlers: {
        read: (_req, p) => ({ data: tuneView(mounted(core, fullPath(p.path!))) }),
        update: (req, p) => {
          const info = mounted(core, fullPath(p.path!));
          if (req.data.default_lease_ttl !== undefined)
            info.defaultLeaseTtl = duration(req.data, 'default_lease_ttl');
          if (req.data.max_lease_ttl !== undefined) info.maxLeaseTtl = duration(req.data, 'max_lease_ttl');
          if (req.data.description !== undefined) info.description = str(req.data, 'description');
          return null;
        },
      },
    },
    {
      pattern: `${root}/*path`,
      handlers: {
        read: (_req, p) => ({ data: describe(mounted(core, fullPath(p.path!))) }),
        update: (req, p) => {
          const path = fullPath(p.path!);
          let type = str(req.data, 'type');
          if (type === '') throw badRequest('backend type must be specified as a string');
          const options = { ...((req.data.options as Record<string, string> | undefined) ?? {}) };
          if (type === 'kv-v2') {
            type = 'kv';
            options.version = '2';
          }
          if (prefix === 'auth/' ? type !== 'kubernetes' : type === 'kubernetes' || type === 'token') {
            throw badRequest(`plugin not found in the catalog: ${type}`);
          }
          const conflict = core.mounts.conflicts(path);
          if (conflict) throw badRequest(`path is already in use at ${conflict.slice(prefix.length)}`);
          const config = (req.data.config as Record<string, unknown> | undefined) ?? {};
          core.mount(path, type, {
            description: str(req.data, 'description'),
            defaultLeaseTtl: duration(config, 'default_lease_ttl'),
            maxLeaseTtl: duration(config, 'max_lease_ttl'),
            options,
          });
          return null;
        },
        delete: (_req, p) => {
          const path = fullPath(p.path!);
          if (PROTECTED.includes(path)) throw badRequest(`cannot unmount "${path}"`);
          if (!core.mounts.get(path)) return null;
          for (const lease of core.leases.byPrefix(path)) core.revokeLease(lease);
          for (const token of core.tokens.all()) if (token.mountPath === path) core.revokeToken(token);
          core.mounts.remove(path);
          return null;
        },
      },
    },
  ];
}

function mounted(core: VaultCore, path: string): MountInfo {
  const m = core.mounts.get(path);
  if (!m) throw new VaultError(400, `no mount entry found for path ${path}`);
  return m.info;
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

function describe(info: MountInfo): Record<string, unknown> {
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
    running_plugin_version: `v${'0.0.0'}+builtin`,
    seal_wrap: false,
    type: info.type,
    uuid: info.uuid,
  };
}
