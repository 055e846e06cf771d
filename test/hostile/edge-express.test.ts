import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { isVaultClientError, type VaultKubernetesClient } from 'vault-kubernetes-client';
import { vaultMiddleware } from 'vault-kubernetes-client/express';
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../helpers/harness';
import { integrationHarness } from '../helpers/integrations';

/*
 * README "Express": while Vault or a secret cannot be had, the middleware answers 503. Attacked
 * where a 503 can no longer be sent: an earlier handler has already begun the answer.
 */

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** An app whose first handler starts streaming before the middleware runs; errors are collected. */
function streamingApp(client: VaultKubernetesClient, secrets: Record<string, string>) {
  const errors: unknown[] = [];
  const app = express();
  app.use((_req, res, next) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('streaming…');
    next();
  });
  app.use(vaultMiddleware(client, { secrets, start: false }));
  app.get('/', (_req, res) => void res.end('done'));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    errors.push(error);
    res.end();
  });
  return { app, errors };
}

describe('edge: express middleware after headers were sent', () => {
  it.each([
    [
      'the client has not logged in',
      async (_c: VaultKubernetesClient): Promise<void> => undefined,
      'ERR_VAULT_LOGIN',
    ],
    ['the client is closed', (c: VaultKubernetesClient): Promise<void> => c.close(), 'ERR_CLIENT_CLOSED'],
  ] as const)(
    '%s: the error handler is told why, not ERR_HTTP_HEADERS_SENT',
    async (_name, prepare, code) => {
      h = await integrationHarness();
      const client = h.client({ retry: { maxRetries: 0 } });
      await prepare(client);
      const { app, errors } = streamingApp(client, {});
      const res = await request(app).get('/');
      expect(res.status).toBe(200); // the head was already on the wire
      expect(errors).toHaveLength(1);
      expect(isVaultClientError(errors[0])).toBe(true);
      expect((errors[0] as { code: string }).code).toBe(code);
    },
  );

  it('a secret the policy denies: the error handler gets the client error itself', async () => {
    h = await integrationHarness();
    const client = h.client({ retry: { maxRetries: 0 } });
    await client.start();
    const { app, errors } = streamingApp(client, { admin: 'secret/data/admin/root' });
    await request(app).get('/');
    expect(errors).toHaveLength(1);
    expect((errors[0] as { code: string }).code).toBe('ERR_VAULT_PERMISSION_DENIED');
    expect(String((errors[0] as Error).message)).not.toMatch(/headers/i);
  });
});
