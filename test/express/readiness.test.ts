import express from 'express';
import request from 'supertest';
import { vaultReadinessHandler } from 'vault-kubernetes-client/express';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, HOUR, MINUTE } from '../helpers/harness';
import { integrationHarness, leaked } from '../helpers/integrations';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const SECRETS = { config: 'secret/data/myapp/config', db: 'database/creds/app' };

/** Everything a probe body must never show: tokens, the JWT, secret values, lease ids, the accessor. */
async function forbidden(h: Harness, client: ReturnType<Harness['client']>): Promise<string[]> {
  const db = await client.secret<undefined>('database/creds/app');
  return [
    ...h.secretsSent,
    'kv-password-value-1',
    'app-user',
    String(db.data.username),
    String(db.data.password),
    db.lease!.id,
    client.tokenInfo()!.accessor,
  ];
}

describe('vaultReadinessHandler', () => {
  it('503 before login, then 200 with token and secret states and lifetimes, never a token or value', async () => {
    h = await integrationHarness();
    const client = h.client({ retry: { maxRetries: 0 }, secrets: { jitter: 0 } });
    const app = express().get('/ready', vaultReadinessHandler(client, { secrets: SECRETS }));

    const before = await request(app).get('/ready');
    expect(before.status).toBe(503);
    expect(before.body).toEqual({
      ready: false,
      // Not logged in and nothing failed yet: no error code to report.
      token: { valid: false },
      secrets: {
        config: { path: 'secret/data/myapp/config', valid: false },
        db: { path: 'database/creds/app', valid: false },
      },
    });
    // A probe must not log in on its own.
    expect(h.mock.audit.count({ path: 'auth/kubernetes/login' })).toBe(0);

    await client.start();
    const now = h.mock.clock.now();
    const ready = await request(app).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.headers['cache-control']).toBe('no-store');
    expect(ready.body).toEqual({
      ready: true,
      token: { valid: true, ttlMs: 24 * HOUR, expiresAt: now + 24 * HOUR, renewable: true },
      secrets: {
        config: { path: 'secret/data/myapp/config', valid: true, kind: 'kv-v2', expiresAt: null, version: 1 },
        db: { path: 'database/creds/app', valid: true, kind: 'leased', expiresAt: now + HOUR },
      },
    });
    expect(leaked(ready.text, await forbidden(h, client))).toEqual([]);
  });

  it('follows a renewed lease: expiresAt moves with the renewal', async () => {
    h = await integrationHarness();
    const client = h.client({ secrets: { jitter: 0 }, token: { jitter: 0 } });
    const app = express().get('/ready', vaultReadinessHandler(client, { secrets: SECRETS }));
    await client.start();
    await request(app).get('/ready').expect(200);
    // Renewed at two thirds of its hour, for another hour.
    await h.mock.clock.advance(45 * MINUTE);
    const renewedAt = h.mock.clock.now() - 5 * MINUTE;
    const after = await request(app).get('/ready').expect(200);
    expect(after.body.secrets.db.expiresAt).toBe(renewedAt + HOUR);
    expect(after.body.token.ttlMs).toBe(24 * HOUR - 45 * MINUTE);
  });

  it('503 once Vault is lost and a lease has expired, naming the secret and why', async () => {
    h = await integrationHarness({ ttl: '10m', maxTtl: '10m' });
    const client = h.client({ retry: { maxRetries: 0 }, secrets: { jitter: 0 } });
    const app = express().get('/ready', vaultReadinessHandler(client, { secrets: SECRETS }));
    await client.start();
    await request(app).get('/ready').expect(200);
    const secrets = await forbidden(h, client);
    h.mock.faults.resetConnection({ times: Number.POSITIVE_INFINITY });
    await h.mock.clock.advance(11 * MINUTE);
    const lost = await request(app).get('/ready');
    expect(lost.status).toBe(503);
    expect(lost.body.token.valid).toBe(true);
    expect(lost.body.secrets.config.valid).toBe(true);
    expect(lost.body.secrets.db).toEqual({
      path: 'database/creds/app',
      valid: false,
      code: 'ERR_VAULT_CONNECTION',
    });
    expect(leaked(lost.text, secrets)).toEqual([]);
  });

  it('without secrets: ready means logged in with a live token; 503 after close', async () => {
    h = await integrationHarness();
    const client = h.client();
    const app = express().get('/ready', vaultReadinessHandler(client));
    await client.start();
    expect((await request(app).get('/ready').expect(200)).body.secrets).toEqual({});
    await client.close();
    const closed = await request(app).get('/ready').expect(503);
    expect(closed.body.token).toEqual({ valid: false, code: 'ERR_CLIENT_CLOSED' });
  });
});
