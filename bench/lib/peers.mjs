// What the bench/peers/* scripts share: the peers' names with their installed versions, how each
// is closed, and the table cells they print.
import { createRequire } from 'node:module';
import { round } from './report.mjs';

const require = createRequire(import.meta.url);

export const VERSIONS = {
  nodeVault: require('node-vault/package.json').version,
  nodeVaultClient: require('node-vault-client/package.json').version,
};

export const LABEL = {
  ours: 'vault-kubernetes-client',
  nodeVault: `node-vault ${VERSIONS.nodeVault}`,
  nodeVaultClient: `node-vault-client ${VERSIONS.nodeVaultClient}`,
};

/**
 * node-vault-client has no close(): after its first login it arms a token-refresh timer
 * (long-timeout, not unref'ed, at half the token's TTL) that keeps the process alive, and boot()
 * keeps the instance in a module-level registry. This reaches the private timer and drops the
 * registry entry, which is all a user can do too.
 */
export function closeNodeVaultClient(VaultClient, client, name) {
  client.__auth?.__refreshTimeout?.close();
  if (client.__auth) client.__auth.__refreshTimeout = null;
  VaultClient.clear(name);
}

/** `value / base` rounded, for "x ours" rows; a dash when either side is missing or zero. */
export function times(value, base) {
  if (typeof value !== 'number' || typeof base !== 'number' || base === 0) return '-';
  return round(value / base);
}
