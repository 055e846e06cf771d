import { Controller, Get, Inject, Injectable, Module } from '@nestjs/common';
import type { VaultKubernetesClient } from 'vault-kubernetes-client';
import {
  InjectVault,
  VaultHealthIndicator,
  VaultModule,
  type VaultModuleOptions,
} from 'vault-kubernetes-client/nest';

/** A service that reads its secrets through the injected client, on every use: the cache answers. */
@Injectable()
export class GreetingService {
  constructor(@InjectVault() private readonly vault: VaultKubernetesClient) {}

  async greeting(): Promise<{ message: string; databaseUser: string }> {
    const config = await this.vault.secret('secret/data/myapp/config');
    const db = await this.vault.secret('database/creds/app');
    return {
      message: `${String(config.data.greeting)} from ${String(config.data.api_url)}`,
      databaseUser: String(db.data.username),
    };
  }
}

// Explicit @Inject tokens everywhere: bundlers and tsx do not emit decorator metadata.
@Controller()
export class AppController {
  constructor(
    @Inject(GreetingService) private readonly greetings: GreetingService,
    @Inject(VaultHealthIndicator) private readonly health: VaultHealthIndicator,
  ) {}

  @Get('hello')
  hello() {
    return this.greetings.greeting();
  }

  @Get('healthz')
  healthz() {
    return this.health.status('vault', { secrets: { db: 'database/creds/app' } });
  }
}

/**
 * The app's root module. The Vault options come from a factory (a ConfigService in a real app),
 * so the same module runs on the embedded mock in the example and on VAULT_ADDR in a pod.
 */
export function appModule(vaultOptions: () => Promise<VaultModuleOptions>) {
  @Module({
    imports: [VaultModule.forRootAsync({ useFactory: vaultOptions, isGlobal: true })],
    controllers: [AppController],
    providers: [GreetingService],
  })
  class AppModule {}
  return AppModule;
}
