import type { Backend } from '../../core/backend';
import type { FieldSchemas } from '../../core/fields';
import { type DeclaredRoute, defineRoute, type RouteInput } from '../../core/routes';
import { VaultError } from '../../core/vault-error';
import type { TokenParams } from '../shared/token-fields';

/**
 * `role` and `role/<name>` as the JWT and Kubernetes plugins both declare them (path_role.go):
 * a sorted list, and read, write and delete of one role by its lower-cased name, the write's
 * existence check deciding create or update and its warnings returned.
 */
export function roleRoutes<const S extends FieldSchemas, R>(
  roles: Map<string, R>,
  spec: {
    fields: S;
    view(role: R): Record<string, unknown>;
    write(input: RouteInput<S, 'name'>, previous: R | undefined): { role: R; warnings: string[] };
  },
): DeclaredRoute[] {
  return [
    defineRoute({
      pattern: 'role',
      handlers: { list: () => ({ data: { keys: [...roles.keys()].sort() } }) },
    }),
    defineRoute({
      pattern: 'role/:name',
      fields: spec.fields,
      exists: (_req, { params }) => roles.has(params.name.toLowerCase()),
      handlers: {
        read: (_req, { params }) => {
          const role = roles.get(params.name.toLowerCase());
          return role ? { data: spec.view(role) } : null;
        },
        update: (_req, input) => {
          const name = input.params.name.toLowerCase();
          const { role, warnings } = spec.write(input, roles.get(name));
          roles.set(name, role);
          return warnings.length > 0 ? { warnings } : null;
        },
        delete: (_req, { params }) => {
          roles.delete(params.name.toLowerCase());
          return null;
        },
      },
    }),
  ];
}

/**
 * pathLoginRenew of the role-based methods (JWT, Kubernetes, AppRole): the role the token was
 * issued for must still exist, and its current TTLs apply. `describe` writes the name as the
 * method's error does (AppRole quotes it, the plugins do not).
 */
export function renewFromRole(
  roles: ReadonlyMap<string, { token: TokenParams }>,
  describe: (name: string) => string = (name) => name,
): NonNullable<Backend['renewToken']> {
  return (token) => {
    const role = roles.get(token.role);
    if (!role) throw new VaultError(500, `role ${describe(token.role)} does not exist during renewal`);
    return { ttl: role.token.ttl, maxTtl: role.token.maxTtl, period: role.token.period };
  };
}
