import type { INestApplication } from '@nestjs/common';
import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { VaultKubernetesClient } from 'vault-kubernetes-client';
import {
  InjectVault,
  VAULT_CLIENT,
  VaultHealthCheckError,
  VaultHealthIndicator,
  VaultModule,
} from 'vault-kubernetes-client/nest';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, MINUTE } from '../helpers/harness';
import { integrationHarness, leaked, recordingOptions } from '../helpers/integrations';

let h: Harness;
let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await h?.close();
});

const SECRETS = { config: 'secret/data/myapp/config', db: 'database/creds/app' };

// What an app's health controller does with terminus, minus terminus: call isHealthy, map a
// HealthCheckError to 503 with its causes.
@Controller()
class HealthController {
  constructor(
    @Inject(VaultHealthIndicator) private readonly vault: VaultHealthIndicator,
    @InjectVault() private readonly client: VaultKubernetesClient,
  ) {}

  @Get('health')
  async health() {
    try {
      return await this.vault.isHealthy('vault', { secrets: SECRETS });
    } catch (error) {
      if (error instanceof VaultHealthCheckError && error.isHealthCheckError)
        throw new ServiceUnavailableException(error.causes);
      throw error;
    }
  }

  @Get('db-user')
  async dbUser() {
    return { user: (await this.client.secret<undefined>('database/creds/app')).data.username };
  }
}

async function start(h: Harness, sent: Set<string>) {
  const moduleRef = await Test.createTestingModule({
    imports: [VaultModule.forRoot({ ...recordingOptions(h, sent), secrets: { jitter: 0 } })],
    controllers: [HealthController],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('VaultHealthIndicator', () => {
  it('up with token and secret states in the shape terminus expects, never a token or value', async () => {
    h = await integrationHarness();
    const sent = new Set<string>();
    const nest = await start(h, sent);
    const indicator = nest.get(VaultHealthIndicator);
    const result = await indicator.isHealthy('vault', { secrets: SECRETS });
    expect(result.vault.status).toBe('up');
    expect(result.vault.token).toMatchObject({ valid: true, renewable: true });
    expect(result.vault.secrets.db).toMatchObject({ valid: true, kind: 'leased' });
    expect(await indicator.status('custom-key')).toEqual({
      'custom-key': expect.objectContaining({ status: 'up' }),
    });

    const res = await request(nest.getHttpServer()).get('/health').expect(200);
    const user = (await request(nest.getHttpServer()).get('/db-user').expect(200)).body.user as string;
    const client = nest.get<VaultKubernetesClient>(VAULT_CLIENT);
    const db = await client.secret<undefined>('database/creds/app');
    const forbidden = [...sent, user, String(db.data.password), db.lease!.id, 'kv-password-value-1'];
    expect(sent.size).toBeGreaterThanOrEqual(2);
    expect(leaked(res.text, forbidden)).toEqual([]);
  });

  it('down when Vault is lost and a lease expired: isHealthy throws a HealthCheckError-like error, status() returns down', async () => {
    h = await integrationHarness({ ttl: '10m', maxTtl: '10m' });
    const nest = await start(h, new Set());
    const indicator = nest.get(VaultHealthIndicator);
    await request(nest.getHttpServer()).get('/health').expect(200);
    h.mock.faults.resetConnection({ times: Number.POSITIVE_INFINITY });
    await h.mock.clock.advance(11 * MINUTE);

    const error = await indicator.isHealthy('vault', { secrets: SECRETS }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultHealthCheckError);
    const { causes } = error as VaultHealthCheckError;
    expect(causes.vault!.status).toBe('down');
    expect(causes.vault!.secrets.db).toEqual({
      path: 'database/creds/app',
      valid: false,
      code: 'ERR_VAULT_CONNECTION',
    });
    expect((await indicator.status('vault', { secrets: SECRETS })).vault.status).toBe('down');

    const res = await request(nest.getHttpServer()).get('/health').expect(503);
    expect(res.body.vault.status).toBe('down');
  });

  it('down once the app has shut down and the client is closed', async () => {
    h = await integrationHarness();
    const nest = await start(h, new Set());
    const indicator = nest.get(VaultHealthIndicator);
    const client = nest.get<VaultKubernetesClient>(VAULT_CLIENT);
    await nest.close();
    app = undefined;
    expect(client.closed).toBe(true);
    expect(await indicator.status()).toEqual({
      vault: { status: 'down', token: { valid: false, code: 'ERR_CLIENT_CLOSED' }, secrets: {} },
    });
  });
});
