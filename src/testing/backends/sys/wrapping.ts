import type { Route } from '../../core/routes';
import type { BackendRequest } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { str } from '../fields';

/**
 * `sys/wrapping/unwrap` and `sys/wrapping/lookup` (vault/logical_system.go): the wrapping token
 * comes in the body, or else as the client token itself.
 */
export function wrappingRoutes(core: VaultCore): Route[] {
  const wrappingToken = (req: BackendRequest) =>
    str(req.data, 'token') || (req.headers['x-vault-token'] ?? '');
  return [
    {
      pattern: 'wrapping/unwrap',
      fields: ['token'],
      handlers: {
        update: (req) => {
          const answer = core.wrapping.unwrap(wrappingToken(req));
          return {
            status: answer.status,
            raw: { contentType: 'application/json', body: answer.rawBody ?? '' },
          };
        },
      },
    },
    {
      pattern: 'wrapping/lookup',
      fields: ['token'],
      handlers: { update: (req) => ({ data: core.wrapping.lookup(wrappingToken(req)) }) },
    },
  ];
}
