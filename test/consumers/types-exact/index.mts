// Under exactOptionalPropertyTypes, an optional option given a value that may be undefined
// (process.env.X, a computed flag) must typecheck: undefined there means "not set".
import { VaultKubernetesClient } from 'vault-kubernetes-client';
import {
  vaultGracefulShutdown,
  vaultMiddleware,
  vaultReadinessHandler,
} from 'vault-kubernetes-client/express';

const maybe = <T,>(value: T): T | undefined => (process.env.UNSET ? value : undefined);

export const vault = new VaultKubernetesClient({
  address: process.env.VAULT_ADDR,
  namespace: process.env.VAULT_NAMESPACE,
  auth: { role: 'myapp-role', tokenPath: process.env.TOKEN_PATH },
});

export const middleware = vaultMiddleware(vault, {
  start: maybe(true),
  secrets: maybe({ a: 'secret/data/a' }),
});
export const probe = vaultReadinessHandler(vault, { timeoutMs: maybe(500), secrets: undefined });
export const shutdown = (server: {
  once(e: 'close', l: () => void): unknown;
  off(e: 'close', l: () => void): unknown;
}) => vaultGracefulShutdown(vault, server, { revoke: maybe(true) });

export async function engines(): Promise<unknown[]> {
  const kv = vault.kv('secret', { version: maybe(2 as const) });
  return [
    await kv.get('a', { version: maybe(1), signal: maybe(AbortSignal.timeout(1000)) }),
    await kv.put('a', {}, { cas: maybe(0) }),
    await kv.delete('a', { versions: maybe([1]) }),
    await vault.transit().encrypt('k', 'x', { context: maybe('c'), keyVersion: maybe(1) }),
    await vault.transit().dataKey('k', { bits: maybe(256 as const), context: maybe('c') }),
    await vault.pki().issue('web', { commonName: 'a.example.com', ttl: maybe('1h'), altNames: maybe(['b']) }),
  ];
}
