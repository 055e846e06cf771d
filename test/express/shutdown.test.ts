import type { AddressInfo } from 'node:net';
import express from 'express';
import { vaultGracefulShutdown, vaultMiddleware } from 'vault-kubernetes-client/express';
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../helpers/harness';
import { integrationHarness } from '../helpers/integrations';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function listening(app: express.Express) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('vaultGracefulShutdown', () => {
  it('closing the server closes the client, revoking its leases and token when asked', async () => {
    h = await integrationHarness();
    const client = h.client();
    const app = express().use(vaultMiddleware(client, { secrets: { db: 'database/creds/app' } }));
    app.get('/', (_req, res) => void res.send('ok'));
    const { server, url } = await listening(app);
    const shutdown = vaultGracefulShutdown(client, server, { revoke: true });
    await client.start();
    expect(await (await fetch(url)).text()).toBe('ok');
    const accessor = client.tokenInfo()!.accessor;
    expect(h.mock.leases({ tokenAccessor: accessor })).toHaveLength(1);

    server.close();
    server.closeAllConnections();
    await shutdown.done;
    expect(client.closed).toBe(true);
    expect(h.mock.leases()).toEqual([]);
    expect(h.mock.tokens().map((t) => t.accessor)).not.toContain(accessor);
    expect(h.mock.clock.pendingTimers()).toBe(0);
  });

  it('without revoke the token and leases stay; cancel() leaves the client open', async () => {
    h = await integrationHarness();
    const kept = h.client();
    const first = await listening(express());
    const shutdown = vaultGracefulShutdown(kept, first.server);
    await kept.secret('database/creds/app');
    first.server.close();
    await shutdown.done;
    expect(kept.closed).toBe(true);
    expect(h.mock.leases()).toHaveLength(1);

    const open = h.client();
    const second = await listening(express());
    vaultGracefulShutdown(open, second.server).cancel();
    await new Promise((resolve) => second.server.close(resolve));
    expect(open.closed).toBe(false);
  });
});
