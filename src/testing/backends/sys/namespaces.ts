import { field } from '../../core/fields';
import type { Namespace } from '../../core/namespaces';
import { parseNamespaceName } from '../../core/namespaces';
import { type DeclaredRoute, defineRoute } from '../../core/routes';
import type { BackendRequest } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest, VaultError } from '../../core/vault-error';

const NAMESPACE_FIELDS = {
  path: field('string', 'Path of the namespace.'),
  custom_metadata: field('map', 'User-provided key-value pairs that are used to describe the namespace.'),
} as const;

/** What Vault answers about a namespace (api-docs/system/namespaces.mdx). */
function namespaceData(namespace: Namespace): Record<string, unknown> {
  return { id: namespace.id, path: namespace.path, custom_metadata: { ...namespace.customMetadata } };
}

/**
 * `sys/namespaces` of Vault Enterprise, with the error texts of openbao/openbao (whose
 * logical_system_namespaces.go follows the same API): the namespaces directly under the one the
 * request is in, created, read, listed, patched and deleted by name.
 */
export function namespaceRoutes(core: VaultCore): DeclaredRoute[] {
  const nameOf = (path: string): string => {
    try {
      return parseNamespaceName(path);
    } catch (error) {
      throw badRequest((error as Error).message);
    }
  };
  const child = (req: BackendRequest, path: string) =>
    core.namespaces.byPath(`${req.namespace.path}${nameOf(path)}`);
  const stringsOnly = (metadata: Record<string, unknown> | null, nulls: boolean) => {
    const out: Record<string, string | null> = {};
    for (const [key, value] of Object.entries(metadata ?? {})) {
      if (typeof value === 'string' || (nulls && value === null)) out[key] = value;
      else throw badRequest('custom_metadata values must be strings');
    }
    return out;
  };

  return [
    defineRoute({
      pattern: 'namespaces',
      handlers: {
        list: (req) => {
          const children = core.namespaces.children(req.namespace);
          const key = (ns: Namespace) => ns.path.slice(req.namespace.path.length);
          return {
            data: {
              keys: children.map(key).sort(),
              key_info: Object.fromEntries(children.map((ns) => [key(ns), namespaceData(ns)])),
            },
          };
        },
      },
    }),
    defineRoute({
      pattern: /^namespaces\/(?<path>.+)$/,
      fields: NAMESPACE_FIELDS,
      handlers: {
        read: (req, { params }) => {
          const namespace = child(req, params.path ?? '');
          return namespace ? { data: namespaceData(namespace) } : null;
        },
        update: (req, { fields, params }) => {
          const metadata = stringsOnly(fields.custom_metadata, false) as Record<string, string>;
          try {
            return { data: namespaceData(core.createNamespace(req.namespace, params.path ?? '', metadata)) };
          } catch (error) {
            if (error instanceof VaultError) throw error;
            throw badRequest((error as Error).message);
          }
        },
        patch: (req, { fields, has, params }) => {
          if (!has('custom_metadata')) throw badRequest('missing required field "custom_metadata"');
          const namespace = child(req, params.path ?? '');
          if (!namespace) throw new VaultError(404, 'namespace not found');
          const patch = stringsOnly(fields.custom_metadata, true);
          for (const [key, value] of Object.entries(patch)) {
            if (value === null) delete namespace.customMetadata[key];
            else namespace.customMetadata[key] = value;
          }
          return { data: namespaceData(namespace) };
        },
        delete: async (req, { params }) => {
          const namespace = child(req, params.path ?? '');
          if (!namespace) return { data: null, warnings: ['requested namespace does not exist'] };
          if (core.namespaces.children(namespace).length > 0) {
            throw new VaultError(409, 'unable to delete namespace containing child namespaces');
          }
          await core.deleteNamespace(namespace);
          return null;
        },
      },
    }),
  ];
}
