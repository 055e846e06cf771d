import { field } from '../../core/fields';
import { type DeclaredRoute, defineRoute, type RouteInput } from '../../core/routes';
import type { VaultCore } from '../../core/vault-core';
import { badRequest } from '../../core/vault-error';
import type { TokenEntry } from '../../store/tokens';

const PATH_FIELDS = {
  paths: field('commaStringSlice', 'Paths on which capabilities are being queried.'),
  path: field('commaStringSlice', 'Use "paths" instead.'),
} as const;

/** `sys/capabilities*`: what a token may do on paths, in the shape Vault answers (keys also at top level). */
export function capabilityRoutes(core: VaultCore): DeclaredRoute[] {
  const answer = (token: TokenEntry | undefined, { fields, has }: RouteInput<typeof PATH_FIELDS>) => {
    const paths = (has('paths') ? fields.paths : fields.path).filter((path) => path !== '');
    if (paths.length === 0) throw badRequest("'paths' must be specified");
    const acl = token ? core.aclFor(token) : undefined;
    const data: Record<string, unknown> = {};
    for (const path of paths) data[path] = acl ? acl.capabilities(path) : ['deny'];
    if (paths.length === 1) data.capabilities = data[paths[0] ?? ''];
    return { data, injectDataIntoTop: true };
  };
  return [
    defineRoute({
      pattern: 'capabilities-self',
      fields: { ...PATH_FIELDS, token: field('string', 'Token for which capabilities are being queried.') },
      handlers: { update: (req, input) => answer(req.token, input) },
    }),
    defineRoute({
      pattern: 'capabilities',
      fields: { ...PATH_FIELDS, token: field('string', 'Token for which capabilities are being queried.') },
      handlers: { update: (_req, input) => answer(core.tokens.get(input.fields.token), input) },
    }),
    defineRoute({
      pattern: 'capabilities-accessor',
      fields: {
        ...PATH_FIELDS,
        accessor: field('string', 'Accessor of the token for which capabilities are being queried.'),
      },
      handlers: { update: (_req, input) => answer(core.tokens.byAccessor(input.fields.accessor), input) },
    }),
  ];
}
