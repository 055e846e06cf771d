import { type DeclaredRoute, defineRoute } from '../../core/routes';
import type { VaultCore } from '../../core/vault-core';
import { VaultError } from '../../core/vault-error';
import { rawHandlerMethodsOnly, VAULT_VERSION } from './health';

/** sys/seal-status, sys/seal and sys/unseal: plain HTTP handlers in Vault, so no field warnings. */
export function sealRoutes(core: VaultCore, unsealKey: string): DeclaredRoute[] {
  const status = () => ({
    type: 'shamir',
    initialized: true,
    sealed: core.sealed,
    t: 1,
    n: 1,
    progress: 0,
    nonce: '',
    version: VAULT_VERSION,
    build_date: '2025-10-01T00:00:00Z',
    migration: false,
    recovery_seal: false,
    storage_type: 'inmem',
  });
  const raw = (body: unknown) => ({ raw: { contentType: 'application/json', body: JSON.stringify(body) } });
  return [
    defineRoute({
      pattern: 'seal-status',
      takesArbitraryInput: true,
      handlers: { read: () => raw(status()), ...rawHandlerMethodsOnly('read') },
    }),
    defineRoute({
      pattern: 'seal',
      takesArbitraryInput: true,
      handlers: {
        ...rawHandlerMethodsOnly('update', 'create'),
        update: () => {
          core.sealed = true;
          return null;
        },
      },
    }),
    defineRoute({
      pattern: 'unseal',
      takesArbitraryInput: true,
      handlers: {
        ...rawHandlerMethodsOnly('update', 'create'),
        update: (req) => {
          if (req.data.reset === true) return raw(status());
          const key = req.data.key;
          if (typeof key !== 'string' || key === '')
            throw new VaultError(
              400,
              "'key' must be specified in request body as JSON, or 'reset' set to true",
            );
          if (key !== unsealKey) throw new VaultError(400, 'Unseal failed, invalid key');
          core.sealed = false;
          return raw(status());
        },
      },
    }),
  ];
}
