import express, { type Response } from 'express';
import request from 'supertest';
import type { ErrorCode, VaultKubernetesClient } from 'vault-kubernetes-client';
import {
  type SecretReadiness,
  type VaultLocalsOf,
  type VaultReadiness,
  type VaultUnavailableBody,
  vaultMiddleware,
} from 'vault-kubernetes-client/express';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { startInBackground } from '../../src/integrations/client-state';
import type { Harness } from '../helpers/harness';
import { MINUTE } from '../helpers/harness';
import { integrationHarness, leaked } from '../helpers/integrations';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const Config = z.object({ username: z.string(), password: z.string() });
const Db = z.object({ username: z.string(), password: z.string() });

/** An app whose routes need the KV config and database credentials, as a typical service would. */
function appWith(client: VaultKubernetesClient, start = true) {
  const vault = vaultMiddleware(client, {
    start,
    secrets: {
      config: { path: 'secret/data/myapp/config', schema: Config },
      db: { path: 'database/creds/app', schema: Db },
    },
  });
  const app = express();
  app.use(vault);
  app.get('/whoami', (_req, res) => {
    const { config, db } = vault.secrets(res);
    expectTypeOf(config.data.username).toEqualTypeOf<string>();
    // @ts-expect-error: only the names given to the middleware exist
    vault.secrets(res).nope;
    res.json({ user: config.data.username, dbUser: db.data.username, lease: db.lease?.id });
  });
  // The other typed way in: res.locals, typed from the middleware.
  app.get('/locals', (_req, res: Response<unknown, VaultLocalsOf<typeof vault>>) => {
    expectTypeOf(res.locals.vault.db.data.password).toEqualTypeOf<string>();
    res.json({ user: res.locals.vault.config.data.username });
  });
  return app;
}

describe('vaultMiddleware', () => {
  it('503 with a clear body before the client has logged in, 200 with typed secrets after', async () => {
    h = await integrationHarness();
    const client = h.client({ retry: { maxRetries: 0 } });
    const app = appWith(client, false);
    const before = await request(app).get('/whoami');
    expect(before.status).toBe(503);
    // Nothing failed yet, so no error code: only the sentence.
    expect(before.body).toEqual({
      error: 'vault_unavailable',
      message: 'The Vault client has not logged in yet.',
    });
    expect(before.headers['cache-control']).toBe('no-store');
    expect(h.mock.audit.count({ path: 'auth/kubernetes/login' })).toBe(0);

    await client.start();
    const after = await request(app).get('/whoami');
    expect(after.status).toBe(200);
    expect(after.body.user).toBe('app-user');
    expect(
      h.mock.databaseCredentialWorks(
        after.body.dbUser,
        (await client.secret<undefined>('database/creds/app')).data.password as string,
      ),
    ).toBe(true);
    expect((await request(app).get('/locals')).body).toEqual({ user: 'app-user' });
    // Served from the client's cache: one read of each secret for any number of requests.
    await Promise.all(Array.from({ length: 20 }, () => request(app).get('/whoami').expect(200)));
    expect(h.mock.audit.count({ path: 'database/creds/app' })).toBe(1);
    expect(h.mock.audit.count({ path: 'secret/data/myapp/config' })).toBe(1);
  });

  it('starts the client itself; while Vault is sealed, 503 with the login failure code, then 200 once it is back', async () => {
    h = await integrationHarness();
    h.mock.seal();
    const client = h.client({ retry: { maxRetries: 0 } });
    const app = appWith(client);
    // The middleware's own start, shared: awaiting it waits for the failed login to be recorded.
    await startInBackground(client);
    expect(h.mock.audit.count({ path: 'auth/kubernetes/login' })).toBeGreaterThan(0);
    const sealed = await request(app).get('/whoami');
    expect(sealed.status).toBe(503);
    expect(sealed.body).toEqual({
      error: 'vault_unavailable',
      code: 'ERR_VAULT_SEALED',
      message: 'The Vault client cannot log in.',
    });

    h.mock.unseal();
    // Past the login backoff, the client's retry or the middleware's nudge on a request logs in
    // again without a restart; awaiting the shared start sees it through.
    await h.mock.clock.advance(MINUTE);
    await startInBackground(client);
    expect((await request(app).get('/whoami')).status).toBe(200);
    expect(client.tokenInfo()).toBeDefined();
  });

  it('503 after Vault is lost and the lease expired; 200 with a new credential when Vault returns', async () => {
    h = await integrationHarness({ ttl: '10m', maxTtl: '10m' });
    const client = h.client({ retry: { maxRetries: 0 }, secrets: { jitter: 0 } });
    const app = appWith(client);
    await client.start();
    const first = await request(app).get('/whoami').expect(200);

    h.mock.faults.resetConnection({ times: Number.POSITIVE_INFINITY });
    await h.mock.clock.advance(5 * MINUTE);
    // Still valid: the cached credential is served while Vault is away.
    expect((await request(app).get('/whoami').expect(200)).body.dbUser).toBe(first.body.dbUser);
    await h.mock.clock.advance(6 * MINUTE);
    const lost = await request(app).get('/whoami');
    expect(lost.status).toBe(503);
    expect(lost.body).toEqual({
      error: 'vault_unavailable',
      code: 'ERR_VAULT_CONNECTION',
      message: 'The secret "db" is not available from Vault.',
      secret: 'db',
    });
    expect(leaked(lost.text, [...h.secretsSent, first.body.dbUser, 'kv-password-value-1'])).toEqual([]);

    h.mock.faults.clear();
    await h.mock.clock.advance(10 * MINUTE);
    const back = await request(app).get('/whoami').expect(200);
    expect(back.body.dbUser).not.toBe(first.body.dbUser);
  });

  it('503 for a secret the policy denies, naming the secret and the code but not Vault internals', async () => {
    h = await integrationHarness();
    const client = h.client({ retry: { maxRetries: 0 } });
    await client.start();
    const vault = vaultMiddleware(client, { secrets: { admin: 'secret/data/admin/root' } });
    const app = express()
      .use(vault)
      .get('/', (_req, res) => void res.send('never'));
    const res = await request(app).get('/');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'ERR_VAULT_PERMISSION_DENIED', secret: 'admin' });
  });

  it('503 once the client is closed', async () => {
    h = await integrationHarness();
    const client = h.client();
    const app = appWith(client);
    await client.start();
    await request(app).get('/whoami').expect(200);
    await client.close();
    expect((await request(app).get('/whoami')).body).toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });

  it("speaks only the client's error codes: the 503 body and the readiness report use ErrorCode", () => {
    expectTypeOf<VaultUnavailableBody['code']>().toEqualTypeOf<ErrorCode | undefined>();
    expectTypeOf<VaultReadiness['token']['code']>().toEqualTypeOf<ErrorCode | undefined>();
    expectTypeOf<SecretReadiness['code']>().toEqualTypeOf<ErrorCode | undefined>();
  });

  it('secrets() throws for a response the middleware did not handle', async () => {
    h = await integrationHarness();
    const vault = vaultMiddleware(h.client(), { start: false });
    const app = express()
      .get('/', (_req, res) => void res.json(vault.secrets(res)))
      .use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).json({ message: error.message });
      });
    expect((await request(app).get('/')).body.message).toMatch(/did not run/);
  });
});
