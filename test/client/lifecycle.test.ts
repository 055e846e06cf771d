import { ClientClosedError } from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness, HOUR } from '../helpers/harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('close and dispose', () => {
  it('cancels every timer, aborts calls in flight, and refuses calls afterwards', async () => {
    h = await createHarness();
    const client = h.client();
    await client.secret('secret/data/myapp/config');
    expect(h.mock.clock.pendingTimers()).toBeGreaterThan(0);
    h.mock.faults.latency(2_000, { path: 'auth/token/lookup-self' });
    const inFlight = client.read('auth/token/lookup-self');
    const closing = client.close();
    await expect(inFlight).rejects.toBeInstanceOf(ClientClosedError);
    await closing;
    expect(h.mock.clock.pendingTimers()).toBe(0);
    await expect(client.read('secret/data/myapp/config')).rejects.toBeInstanceOf(ClientClosedError);
    await expect(client.secret('secret/data/myapp/config')).rejects.toBeInstanceOf(ClientClosedError);
    expect(client.closed).toBe(true);
    await client.close();
  });

  it('close({ revoke: true }) revokes the token it logged in for', async () => {
    h = await createHarness();
    const client = h.client();
    await client.start();
    const accessor = client.tokenInfo()!.accessor;
    await client.close({ revoke: true });
    expect(h.mock.tokens().some((t) => t.accessor === accessor)).toBe(false);
  });

  it('Symbol.asyncDispose closes the client (await using)', async () => {
    h = await createHarness();
    const client = h.client();
    await client.start();
    await client[Symbol.asyncDispose]();
    expect(client.closed).toBe(true);
    expect(h.mock.clock.pendingTimers()).toBe(0);
  });

  it('an error event with no listener is logged, not dropped', async () => {
    h = await createHarness({ role: { token_ttl: '1h' } });
    const logs: string[] = [];
    const { VaultKubernetesClient } = await import('vault-kubernetes-client');
    const client = new VaultKubernetesClient({
      address: h.mock.address,
      auth: { role: 'myapp-role', tokenPath: h.tokenPath },
      clock: h.mock.clock,
      logger: { debug() {}, info() {}, warn() {}, error: (_f, message) => logs.push(message) },
    });
    await client.start();
    h.mock.faults.failNext({ path: 'auth/token/renew-self', status: 500, times: Number.POSITIVE_INFINITY });
    await h.mock.clock.advance(HOUR * 0.75);
    expect(logs.some((m) => m.includes('Vault failed POST auth/token/renew-self (500)'))).toBe(true);
    await client.close();
  });
});
