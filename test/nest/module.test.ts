import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { type ClientOptions, VaultKubernetesClient, VaultLoginError } from 'vault-kubernetes-client';
import { InjectVault, VAULT_CLIENT, VaultModule } from 'vault-kubernetes-client/nest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../helpers/harness';
import { integrationHarness, recordingOptions } from '../helpers/integrations';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

// Both styles of injection, each with an explicit token: no decorator metadata involved.
@Injectable()
class ByDecorator {
  constructor(@InjectVault() readonly vault: VaultKubernetesClient) {}
}

@Injectable()
class ByToken {
  constructor(@Inject(VAULT_CLIENT) readonly vault: VaultKubernetesClient) {}
}

const CONFIG = 'APP_VAULT_CONFIG';

describe('VaultModule', () => {
  it('forRoot: one client, injected by token and by @InjectVault(), logged in at init, closed by app.close()', async () => {
    h = await integrationHarness();
    const moduleRef = await Test.createTestingModule({
      imports: [VaultModule.forRoot(recordingOptions(h, new Set()))],
      providers: [ByDecorator, ByToken],
    }).compile();
    const app = await moduleRef.init();
    const client = app.get<VaultKubernetesClient>(VAULT_CLIENT);
    expect(client).toBeInstanceOf(VaultKubernetesClient);
    expect(app.get(ByDecorator).vault).toBe(client);
    expect(app.get(ByToken).vault).toBe(client);
    // Proof that nothing here leaned on emitDecoratorMetadata: there is none to lean on.
    expect(Reflect.getMetadata('design:paramtypes', ByDecorator)).toBeUndefined();
    expect(client.tokenInfo()?.policies).toContain('myapp-policy');
    const accessor = client.tokenInfo()!.accessor;
    await client.secret('database/creds/app');

    await app.close();
    expect(client.closed).toBe(true);
    // Without revokeOnShutdown the token and its lease are left to expire (rolling deploys).
    expect(h.mock.tokens().map((t) => t.accessor)).toContain(accessor);
    expect(h.mock.leases()).toHaveLength(1);
  });

  it('forRootAsync: options from an injected provider of an imported module; revokeOnShutdown revokes', async () => {
    h = await integrationHarness();
    @Module({ providers: [{ provide: CONFIG, useValue: recordingOptions(h, new Set()) }], exports: [CONFIG] })
    class ConfigModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        VaultModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: async (config: ClientOptions) => ({ ...config, revokeOnShutdown: true }),
        }),
      ],
      providers: [ByDecorator],
    }).compile();
    const app = await moduleRef.init();
    const client = app.get(ByDecorator).vault;
    const accessor = client.tokenInfo()!.accessor;
    await client.secret('database/creds/app');

    await app.close();
    expect(client.closed).toBe(true);
    expect(h.mock.tokens().map((t) => t.accessor)).not.toContain(accessor);
    expect(h.mock.leases()).toEqual([]);
    expect(h.mock.clock.pendingTimers()).toBe(0);
  });

  it('isGlobal: a feature module gets the client without importing VaultModule; without it, Nest refuses', async () => {
    h = await integrationHarness();
    @Module({ providers: [ByDecorator], exports: [ByDecorator] })
    class FeatureModule {}
    const options = { ...recordingOptions(h, new Set()), startOnInit: false };

    const global = await Test.createTestingModule({
      imports: [VaultModule.forRoot({ ...options, isGlobal: true }), FeatureModule],
    }).compile();
    expect(global.get(ByDecorator).vault).toBe(global.get(VAULT_CLIENT));
    await global.close();

    await expect(
      Test.createTestingModule({ imports: [VaultModule.forRoot(options), FeatureModule] }).compile(),
    ).rejects.toThrow(/can't resolve dependencies of the ByDecorator/i);
  });

  it('startOnInit: false leaves the login to the first call; a bad role fails the init by default', async () => {
    h = await integrationHarness();
    const lazy = await Test.createTestingModule({
      imports: [VaultModule.forRoot({ ...recordingOptions(h, new Set()), startOnInit: false })],
    }).compile();
    await lazy.init();
    expect(lazy.get<VaultKubernetesClient>(VAULT_CLIENT).tokenInfo()).toBeUndefined();
    expect(h.mock.audit.count({ path: 'auth/kubernetes/login' })).toBe(0);
    await lazy.close();

    const base = recordingOptions(h, new Set());
    const wrongRole = await Test.createTestingModule({
      imports: [VaultModule.forRoot({ ...base, auth: { role: 'no-such-role', tokenPath: h.tokenPath } })],
    }).compile();
    await expect(wrongRole.init()).rejects.toBeInstanceOf(VaultLoginError);
    await wrongRole.close();
    expect(wrongRole.get<VaultKubernetesClient>(VAULT_CLIENT).closed).toBe(true);
  });
});
