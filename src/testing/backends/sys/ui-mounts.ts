import { field } from '../../core/fields';
import { goQuote } from '../../core/go-format';
import { within } from '../../core/namespaces';
import { type DeclaredRoute, defineRoute } from '../../core/routes';
import type { VaultCore } from '../../core/vault-core';
import { VaultError } from '../../core/vault-error';
import { describeMount } from './mounts';

/** logical_system.go PathsSpecial.Unauthenticated: the handler checks the token itself. */
export const UI_MOUNTS_UNAUTHENTICATED = ['internal/ui/mounts', 'internal/ui/mounts/*'];

/**
 * `sys/internal/ui/mounts/<path>` (pathInternalUIMountRead): the mount holding `path`, for any
 * token with a capability on the mount or anything below it (hasMountAccess). What the vault CLI
 * reads to tell KV v1 from v2. Every refusal is the same 403, so the path cannot be used to
 * find out which mounts exist.
 */
export function uiMountRoutes(core: VaultCore): DeclaredRoute[] {
  return [
    defineRoute({
      pattern: 'internal/ui/mounts/*path',
      fields: { path: field('string', 'The path of the mount.') },
      handlers: {
        read: (req, { params }) => {
          if (params.path === '') throw new VaultError(400, 'path not set');
          // sanitizeMountPath: one trailing slash, no leading one.
          const path = `${params.path.replace(/^\//, '').replace(/\/$/, '')}/`;
          const denied = () =>
            new VaultError(
              403,
              `preflight capability check returned 403, please ensure client's policies grant access to path ${goQuote(path)}`,
            );
          const route = req.namespace.mounts.match(path);
          if (!route) throw denied();
          // fetchACLTokenEntryAndEntity: no token, or an unknown one, is a bare permission denied.
          const bearer = req.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
          const id = req.headers['x-vault-token'] || bearer;
          const token = id ? core.tokens.get(id) : undefined;
          if (!token) throw new VaultError(403, 'permission denied');
          const info = route.mounted.info;
          const usable = within(req.namespace, core.namespaceOf(token));
          if (!usable || !core.aclFor(token).hasMountAccess(core.aclPath(token, req.namespace, info.path))) {
            throw denied();
          }
          return { data: { ...describeMount(info), path: info.path } };
        },
      },
    }),
  ];
}
