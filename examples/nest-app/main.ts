/**
 * A NestJS app with VaultModule: the client is injected into a service, logs in at module init,
 * reports health for probes, and closes (revoking its leases) at shutdown.
 * Run: `npm run build && npx tsx examples/nest-app/main.ts` (embedded mock Vault) or with VAULT_ADDR.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { connect, isMain } from '../support/vault';
import { appModule } from './app.module';

export async function main(
  log: (line: string) => void = console.log,
): Promise<{ hello: unknown; health: unknown }> {
  // The example's Vault: we only borrow its address and auth; VaultModule builds and owns the client.
  const vault = await connect();
  await vault.client.close();
  const AppModule = appModule(async () => ({
    ...(vault.mock
      ? {
          address: vault.mock.address,
          clock: vault.mock.clock,
          auth: {
            role: 'myapp-role',
            tokenPath: await vault.mock.cluster.writeToken({
              namespace: 'default',
              serviceAccount: 'myapp-sa',
            }),
          },
        }
      : { auth: { role: process.env.VAULT_ROLE ?? 'myapp-role' } }),
    logLevel: 'silent',
    revokeOnShutdown: true,
  }));
  const app = await NestFactory.create(AppModule, { logger: false });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const base = await app.getUrl();
  log(`listening on ${base}`);
  const hello = await (await fetch(`${base}/hello`)).json();
  const health = await (await fetch(`${base}/healthz`)).json();
  log(`GET /hello -> ${JSON.stringify(hello)}`);
  log(`GET /healthz -> ${JSON.stringify(health)}`);
  await app.close();
  await vault.mock?.close();
  return { hello, health };
}

if (isMain(import.meta.url)) await main();
