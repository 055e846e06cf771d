import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';
import type { ClientOptions } from 'vault-kubernetes-client';

export interface VaultModuleOptions extends ClientOptions {
  /**
   * Log in during module init, so a wrong role or an unreachable Vault stops the app at boot
   * rather than at its first request. With false the client logs in at its first call.
   * @default true
   */
  startOnInit?: boolean | undefined;
  /**
   * On application shutdown, revoke the client's leases and token.
   * @default false
   */
  revokeOnShutdown?: boolean | undefined;
}

export interface VaultModuleRootOptions extends VaultModuleOptions {
  /** Register the module globally: import it once, inject the client anywhere. */
  isGlobal?: boolean | undefined;
}

export interface VaultModuleAsyncOptions {
  imports?: ModuleMetadata['imports'] | undefined;
  inject?: (InjectionToken | OptionalFactoryDependency)[] | undefined;
  /** Receives the `inject` providers in order; may be async (e.g. read a ConfigService). */
  useFactory: (...args: never[]) => VaultModuleOptions | Promise<VaultModuleOptions>;
  isGlobal?: boolean | undefined;
}

/** The options without the module's own keys: the client rejects keys it does not know. */
export function clientOptionsOf(options: VaultModuleRootOptions): ClientOptions {
  const { startOnInit, revokeOnShutdown, isGlobal, ...client } = options;
  return client;
}
