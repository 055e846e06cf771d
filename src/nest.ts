/**
 * NestJS integration: `VaultModule.forRoot` / `forRootAsync`, the `VAULT_CLIENT` token with
 * `@InjectVault()`, and a terminus-shaped `VaultHealthIndicator`. Needs `@nestjs/common` only.
 */

export type { VaultReadiness, VaultReadinessOptions } from './express/readiness-report';
export { VaultHealthCheckError, VaultHealthIndicator, type VaultHealthResult } from './nest/health-indicator';
export { InjectVault } from './nest/inject-vault';
export type { VaultModuleAsyncOptions, VaultModuleOptions, VaultModuleRootOptions } from './nest/options';
export { VAULT_CLIENT, VAULT_MODULE_OPTIONS } from './nest/tokens';
export { VaultModule } from './nest/vault.module';
