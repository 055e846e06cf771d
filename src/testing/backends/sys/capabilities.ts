import type { Route } from '../../core/routes';
import type { BackendRequest } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest } from '../../core/vault-error';
import type { TokenEntry } from '../../store/tokens';
import { list, str } from '../fields';

/** `sys/capabilities*`: what a token may do on paths, in the shape Vault answers (keys also at top level). */
export function capabilityRoutes(core: VaultCore): Route[] {
  const answer = (token: TokenEntry | undefined, req: BackendRequest) => {
    const paths = list(req.data, 'paths') ?? list(req.data, 'path') ?? [];
    if (paths.length === 0) throw badRequest("'paths' must be specified");
    const acl = token ? core.aclFor(token) : undefined;
    const data: Record<string, unknown> = {};
    for (const path of paths) data[path] = acl ? acl.capabilities(path) : ['deny'];
    if (paths.length === 1) data.capabilities = data[paths[0]!];
    return { data, injectDataIntoTop: true };
  };
  return [
    { pattern: 'capabilities-self', handlers: { update: (req) => answer(req.token, req) } },
    {
      pattern: 'capabilities',
      handlers: { update: (req) => answer(core.tokens.get(str(req.data, 'token')), req) },
    },
    {
      pattern: 'capabilities-accessor',
      handlers: { update: (req) => answer(core.tokens.byAccessor(str(req.data, 'accessor')), req) },
    },
  ];
}
