import { SYSTEM_MAX_TTL } from '../../core/durations';
import { goQuote } from '../../core/go-format';
import type { Route } from '../../core/routes';
import type { MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest } from '../../core/vault-error';
import { duration, str } from '../fields';

/** The credential plugins of the mock's catalog: enabled through `sys/auth`, never `sys/mounts`. */
const AUTH_METHODS = new Set(['kubernetes', 'jwt', 'oidc', 'approle', 'userpass']);
/** Paths Vault will not mount at or unmount (mount.go protectedMounts). */
const PROTECTED = ['audit/', 'auth/', 'sys/', 'cubbyhole/', 'identity/'];

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
  // The messages below are Vault's handleError strings: 400 with the text verbatim.
  const sysView = (name: string) => {
    const path = fullPath(name);
    if (!core.mounts.get(path)) throw badRequest(`cannot fetch sysview for path ${goQuote(path)}`);
    return core.mounts.get(path)!.info;
  };
  const tunable = (name: string) => {
    const path = fullPath(name);
    if (!core.mounts.get(path))
      throw badRequest(`tune of path ${goQuote(path)} failed: no mount entry found`);
    return core.mounts.get(path)!.info;
  };
  const described = (name: string) => {
    const info = core.mounts.get(fullPath(name))?.info;
    const shown = fullPath(name).slice(prefix.length);
    if (!info)
      throw badRequest(prefix === '' ? `No secret engine mount at ${shown}` : `No auth engine at ${shown}`);
    return info;
  };
  return [
    { pattern: root, handlers: { read: listing } },
    {
      pattern: `${root}/*path/tune`,
      handlers: {
        read: (_req, p) => ({ data: tuneView(sysView(p.path!)) }),
        update: (req, p) => {
          const info = tunable(p.path!);
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
        read: (_req, p) => ({ data: describe(described(p.path!)) }),
        update: (req, p) => {
          const path = fullPath(p.path!);
          let type = str(req.data, 'type');
          if (type === '') throw badRequest('backend type must be specified as a string');
          const options = { ...((req.data.options as Record<string, string> | undefined) ?? {}) };
          if (type === 'kv-v2') {
            type = 'kv';
            options.version = '2';
          }
          if (prefix === 'auth/' && type === 'token')
            throw badRequest('token credential backend cannot be instantiated');
          if (prefix === '' && PROTECTED.some((protectedPath) => path.startsWith(protectedPath)))
            throw badRequest(`cannot mount ${goQuote(path)}`);
          if (prefix === 'auth/' ? !AUTH_METHODS.has(type) : AUTH_METHODS.has(type) || type === 'token') {
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
        delete: async (_req, p) => {
          const path = fullPath(p.path!);
          // Unmounting what is not mounted succeeds, so as not to reveal whether it existed.
          if (!core.mounts.get(path)) return null;
          if (path === 'auth/token/') throw badRequest('token credential backend cannot be disabled');
          if (PROTECTED.some((protectedPath) => path.startsWith(protectedPath)) && prefix === '')
            throw badRequest(`cannot unmount ${goQuote(path)}`);
          const done: Promise<void>[] = [];
          for (const lease of core.leases.byPrefix(path)) done.push(core.revokeLease(lease));
          for (const token of core.tokens.all())
            if (token.mountPath === path) done.push(core.revokeToken(token));
          await Promise.all(done);
          // Vault closes the plugin's connections with the mount.
          await core.mounts.remove(path)?.backend.dispose?.();
          return null;
        },
      },
    },
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
