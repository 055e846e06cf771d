/**
 * NestJS integration: `VaultModule.forRoot` / `forRootAsync`, the `VAULT_CLIENT` token with
 * `@InjectVault()`, and a terminus-shaped `VaultHealthIndicator`. Needs `@nestjs/common` only.
 */

export type { VaultReadiness, VaultReadinessOptions } from './integrations/readiness-report';
export { VaultHealthCheckError, VaultHealthIndicator, type VaultHealthResult } from './nest/health-indicator';
export { InjectVault } from './nest/inject-vault';
export type { VaultModuleAsyncOptions, VaultModuleOptions, VaultModuleRootOptions } from './nest/options';
export { VAULT_CLIENT } from './nest/tokens';
export { VaultModule } from './nest/vault.module';
