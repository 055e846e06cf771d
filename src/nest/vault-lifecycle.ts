import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { VaultKubernetesClient } from 'vault-kubernetes-client';
import type { VaultModuleOptions } from './options';

/** Ties the client to the application: logged in at module init, closed at application shutdown. */
export class VaultLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly client: VaultKubernetesClient,
    private readonly options: VaultModuleOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.startOnInit !== false) await this.client.start();
  }

  // The last hook, so providers can still use the client in onModuleDestroy and beforeApplicationShutdown.
  async onApplicationShutdown(): Promise<void> {
    await this.client.close({ revoke: this.options.revokeOnShutdown === true });
  }
}
