import { VaultKubernetesClient } from 'vault-kubernetes-client';

/**
 * Whether the client schedules replacements and re-logins so that old credentials outlive a
 * drain (contract C1: the `secrets.drainMs` option). Without that lead, Vault ends a lease at its
 * max TTL (and every lease of a token at the token's) less than a second after the client hands
 * over new credentials, so work in flight on the old pool can fail through no fault of the pool.
 */
export function clientHasDrainLead(): boolean {
  try {
    const probe = new VaultKubernetesClient({
      address: 'http://127.0.0.1:1',
      auth: { role: 'probe', tokenPath: '/dev/null' },
      secrets: { drainMs: 3_000 } as never,
    });
    void probe.close();
    return true;
  } catch {
    console.warn(
      'skipping the zero-failure load runs: this client has no drain lead yet (contract C1, secrets.drainMs)',
    );
    return false;
  }
}
