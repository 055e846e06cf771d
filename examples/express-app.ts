/**
 * An Express 5 service: its routes get typed secrets from the middleware, Kubernetes probes the
 * readiness handler, and closing the server closes (and revokes) the Vault client.
 * Run: `npm run build && npx tsx examples/express-app.ts` (embedded mock Vault) or with VAULT_ADDR.
 */
import type { Server } from 'node:http';
import express from 'express';
import type { VaultKubernetesClient } from 'vault-kubernetes-client';
import {
  vaultGracefulShutdown,
  vaultMiddleware,
  vaultReadinessHandler,
} from 'vault-kubernetes-client/express';
import { z } from 'zod';
import { connect, isMain } from './support/vault';

const Config = z.object({ api_url: z.string().url(), greeting: z.string() });
const Db = z.object({ username: z.string(), password: z.string() });

export function createApp(client: VaultKubernetesClient): express.Express {
  const secrets = {
    config: { path: 'secret/data/myapp/config', schema: Config },
    db: { path: 'database/creds/app', schema: Db },
  };
  const vault = vaultMiddleware(client, { secrets });
  const app = express();
  // Probes first: they must answer even when Vault is not.
  app.get('/healthz/ready', vaultReadinessHandler(client, { secrets }));
  app.get('/healthz/live', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(vault);
  app.get('/hello', (_req, res) => {
    const { config, db } = vault.secrets(res);
    res.json({
      message: `${config.data.greeting} from ${config.data.api_url}`,
      databaseUser: db.data.username,
    });
  });
  return app;
}

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const vault = await connect();
  const server: Server = createApp(vault.client).listen(Number(process.env.PORT ?? 0));
  await new Promise((resolve) => server.once('listening', resolve));
  const shutdown = vaultGracefulShutdown(vault.client, server, { revoke: true });
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  log(`listening on ${base}`);
  const get = async (path: string) => {
    const res = await fetch(base + path);
    log(`GET ${path} -> ${res.status} ${await res.text()}`);
  };
  // Before login the probe keeps the pod out of the Service's endpoints.
  await get('/healthz/ready');
  await vault.client.start();
  await get('/hello');
  await get('/healthz/ready');
  if (isMain(import.meta.url) && process.env.VAULT_ADDR) {
    // In a pod: serve until Kubernetes sends SIGTERM.
    await new Promise((resolve) => process.once('SIGTERM', resolve));
  }
  server.close();
  await shutdown.done;
  await vault.close();
}

if (isMain(import.meta.url)) await main();
