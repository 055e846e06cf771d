import type { VaultKubernetesClient } from 'vault-kubernetes-client';
import {
  type VaultReadiness,
  type VaultReadinessOptions,
  vaultReadiness,
} from '../integrations/readiness-report';

/** One entry of a `@nestjs/terminus` health check: `{ [key]: { status, token, secrets } }`. */
export type VaultHealthResult<K extends string = string> = Record<
  K,
  { status: 'up' | 'down' } & Omit<VaultReadiness, 'ready'>
>;

/**
 * What terminus recognises as an expected failure (it checks `isHealthCheckError` and reads
 * `causes`), without depending on terminus: its own HealthCheckError is deprecated in v11.
 */
export class VaultHealthCheckError extends Error {
  readonly isHealthCheckError = true;

  constructor(
    message: string,
    readonly causes: VaultHealthResult,
  ) {
    super(message);
    this.name = 'VaultHealthCheckError';
  }
}

/**
 * A health indicator for `@nestjs/terminus` (no dependency on it): up while the client holds a
 * valid token and the given secrets are valid. The details are states and lifetimes only, never
 * a token or a secret value, so they are safe to serve on a health endpoint.
 *
 * ```ts
 * this.health.check([() => this.vault.isHealthy('vault', { secrets: { db: 'database/creds/app' } })])
 * ```
 */
export class VaultHealthIndicator {
  constructor(private readonly client: VaultKubernetesClient) {}

  /** Never throws: returns `down` in the result. Terminus 11 and later count that as a failure. */
  async status<const K extends string = 'vault'>(
    key: K = 'vault' as K,
    options: VaultReadinessOptions = {},
  ): Promise<VaultHealthResult<K>> {
    const { ready, ...details } = await vaultReadiness(this.client, options);
    return { [key]: { status: ready ? 'up' : 'down', ...details } } as VaultHealthResult<K>;
  }

  /** The result when up; throws a `VaultHealthCheckError` carrying it when down (terminus 10 and 11). */
  async isHealthy<const K extends string = 'vault'>(
    key: K = 'vault' as K,
    options: VaultReadinessOptions = {},
  ): Promise<VaultHealthResult<K>> {
    const result = await this.status(key, options);
    if (result[key].status === 'down') throw new VaultHealthCheckError('Vault is not ready', result);
    return result;
  }
}
