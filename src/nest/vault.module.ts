import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { VaultKubernetesClient } from 'vault-kubernetes-client';
import { VaultHealthIndicator } from './health-indicator';
import {
  clientOptionsOf,
  type VaultModuleAsyncOptions,
  type VaultModuleOptions,
  type VaultModuleRootOptions,
} from './options';
import { VAULT_CLIENT, VAULT_LIFECYCLE, VAULT_MODULE_OPTIONS } from './tokens';
import { VaultLifecycle } from './vault-lifecycle';

/**
 * Provides one `VaultKubernetesClient` under `VAULT_CLIENT` (inject it with `@InjectVault()`)
 * and a `VaultHealthIndicator`. The client logs in at module init and closes at application
 * shutdown (`app.close()`, or a signal once `app.enableShutdownHooks()` is on).
 *
 * Every provider is a factory with explicit `inject`, so nothing relies on decorator metadata.
 */
export class VaultModule {
  /**
   * The module with options known up front.
   * @example imports: [VaultModule.forRoot({ auth: { role: 'myapp-role' }, isGlobal: true })]
   * @throws VaultConfigError at module init when an option is invalid (the app does not boot).
   */
  static forRoot(options: VaultModuleRootOptions): DynamicModule {
    return dynamicModule({ provide: VAULT_MODULE_OPTIONS, useValue: options }, [], options.isGlobal);
  }

  /**
   * The module with options from providers (a ConfigService, a secret file), resolved at init.
   * @example
   * VaultModule.forRootAsync({
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ address: config.get('VAULT_ADDR'), auth: { role: 'myapp-role' } }),
   * })
   */
  static forRootAsync(options: VaultModuleAsyncOptions): DynamicModule {
    const optionsProvider: Provider = {
      provide: VAULT_MODULE_OPTIONS,
      useFactory: options.useFactory as (...args: unknown[]) => Promise<VaultModuleOptions>,
      inject: options.inject ?? [],
    };
    return dynamicModule(optionsProvider, options.imports ?? [], options.isGlobal);
  }
}

// Applied as a call rather than with decorator syntax, so the library builds without decorator support.
Module({})(VaultModule);

function dynamicModule(
  optionsProvider: Provider,
  imports: NonNullable<DynamicModule['imports']>,
  isGlobal: boolean | undefined,
): DynamicModule {
  return {
    module: VaultModule,
    global: isGlobal === true,
    imports,
    providers: [
      optionsProvider,
      {
        provide: VAULT_CLIENT,
        useFactory: (options: VaultModuleOptions) => new VaultKubernetesClient(clientOptionsOf(options)),
        inject: [VAULT_MODULE_OPTIONS],
      },
      {
        provide: VAULT_LIFECYCLE,
        useFactory: (client: VaultKubernetesClient, options: VaultModuleOptions) =>
          new VaultLifecycle(client, options),
        inject: [VAULT_CLIENT, VAULT_MODULE_OPTIONS],
      },
      {
        provide: VaultHealthIndicator,
        useFactory: (client: VaultKubernetesClient) => new VaultHealthIndicator(client),
        inject: [VAULT_CLIENT],
      },
    ],
    exports: [VAULT_CLIENT, VaultHealthIndicator],
  };
}
