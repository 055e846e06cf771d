/**
 * Express integration: secrets per request, a Kubernetes readiness probe and a shutdown hook.
 * Works with Express 5 and 4; only types come from `express`, nothing of it is loaded at run time.
 */
export {
  type VaultLocals,
  type VaultLocalsOf,
  type VaultMiddleware,
  type VaultMiddlewareOptions,
  type VaultUnavailableBody,
  vaultMiddleware,
} from './express/middleware';
export { vaultReadinessHandler } from './express/readiness';
export {
  type ClosableServer,
  type VaultShutdown,
  type VaultShutdownOptions,
  vaultGracefulShutdown,
} from './express/shutdown';
export {
  type SecretReadiness,
  type VaultReadiness,
  type VaultReadinessOptions,
  vaultReadiness,
} from './integrations/readiness-report';
export type { SecretOf, SecretSpec, SecretSpecs, VaultSecrets } from './integrations/secret-specs';
