import { field } from '../../core/fields';
import { within } from '../../core/namespaces';
import { type DeclaredRoute, defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest } from '../../core/vault-error';
import type { TokenEntry } from '../../store/tokens';

const PATH_FIELDS = {
  paths: field('commaStringSlice', 'Paths on which capabilities are being queried.'),
  path: field('commaStringSlice', 'Use "paths" instead.'),
} as const;

/** `sys/capabilities*`: what a token may do on paths, in the shape Vault answers (keys also at top level). */
export function capabilityRoutes(core: VaultCore): DeclaredRoute[] {
  const answer = (
    req: BackendRequest,
    token: TokenEntry | undefined,
    { fields, has }: RouteInput<typeof PATH_FIELDS>,
  ) => {
    const paths = (has('paths') ? fields.paths : fields.path).filter((path) => path !== '');
    if (paths.length === 0) throw badRequest("'paths' must be specified");
    // A token of another namespace tree has no capability here at all.
    const usable = token && within(req.namespace, core.namespaceOf(token)) ? token : undefined;
    const acl = usable ? core.aclFor(usable) : undefined;
    const data: Record<string, unknown> = {};
    for (const path of paths) {
      data[path] = acl && usable ? acl.capabilities(core.aclPath(usable, req.namespace, path)) : ['deny'];
    }
    if (paths.length === 1) data.capabilities = data[paths[0] ?? ''];
    return { data, injectDataIntoTop: true };
  };
  return [
    defineRoute({
      pattern: 'capabilities-self',
      fields: { ...PATH_FIELDS, token: field('string', 'Token for which capabilities are being queried.') },
      handlers: { update: (req, input) => answer(req, req.token, input) },
    }),
    defineRoute({
      pattern: 'capabilities',
      fields: { ...PATH_FIELDS, token: field('string', 'Token for which capabilities are being queried.') },
      handlers: { update: (req, input) => answer(req, core.tokens.get(input.fields.token), input) },
    }),
    defineRoute({
      pattern: 'capabilities-accessor',
      fields: {
        ...PATH_FIELDS,
        accessor: field('string', 'Accessor of the token for which capabilities are being queried.'),
      },
      handlers: { update: (req, input) => answer(req, core.tokens.byAccessor(input.fields.accessor), input) },
    }),
  ];
}
