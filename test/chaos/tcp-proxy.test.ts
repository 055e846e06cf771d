import { VaultConnectionError, VaultKubernetesClient, VaultTimeoutError } from 'vault-kubernetes-client';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TcpProxy } from './tcp-proxy';

let mock: MockVault;
let proxy: TcpProxy;
let client: VaultKubernetesClient;

beforeEach(async () => {
  mock = await startMockVault();
  await mock.write('secret/data/app', { data: { a: '1' } });
  proxy = await TcpProxy.start(mock.address);
  client = new VaultKubernetesClient({
    address: proxy.address,
    auth: { method: 'token', token: mock.rootToken },
    clock: mock.clock,
    logLevel: 'silent',
    retry: { maxRetries: 0 },
    timeouts: { requestMs: 150 },
  });
});
afterEach(async () => {
  await client.close();
  await proxy.close();
  await mock.close();
});

const read = () => client.read('secret/data/app');
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('the chaos TCP proxy', () => {
  it('passes traffic through, and delays it by real milliseconds', async () => {
    expect((await read()).data).toMatchObject({ data: { a: '1' } });
    await proxy.setMode({ kind: 'delay', ms: 60 });
    const started = performance.now();
    await read();
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('drop and half-open: the per-attempt timeout fires; half-open keeps the proxy side open', async () => {
    await read();
    await proxy.setMode({ kind: 'drop' });
    await expect(read()).rejects.toBeInstanceOf(VaultTimeoutError);
    await proxy.setMode({ kind: 'half-open' });
    const idle = proxy.openClientSockets();
    await expect(read()).rejects.toBeInstanceOf(VaultTimeoutError);
    await settle();
    // The client gave up on the connection; the proxy still holds its side.
    expect(proxy.openClientSockets()).toBeLessThanOrEqual(idle);
    expect(proxy.openSockets()).toBeGreaterThan(2 * idle);
    await proxy.setMode({ kind: 'pass' });
    expect((await read()).data).toMatchObject({ data: { a: '1' } });
  });

  it('reset mid-body: the status arrived but the body did not', async () => {
    await read();
    await proxy.setMode({ kind: 'reset', bodyBytes: 10 });
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultConnectionError);
    // The mock answered in full: the request reached Vault.
    expect(mock.audit.count({ path: 'secret/data/app', status: 200 })).toBe(2);
  });

  it('refuse: ECONNREFUSED while refusing, held connections reset, back to normal after', async () => {
    await read();
    await proxy.setMode({ kind: 'refuse' });
    // A connection the client held is reset; a new one is refused.
    await expect(read()).rejects.toBeInstanceOf(VaultConnectionError);
    const error = (await read().catch((e: unknown) => e)) as VaultConnectionError;
    expect(error).toBeInstanceOf(VaultConnectionError);
    expect(error.message).toContain('ECONNREFUSED');
    await proxy.setMode({ kind: 'pass' });
    expect((await read()).data).toMatchObject({ data: { a: '1' } });
  });

  it('close() destroys every socket', async () => {
    await read();
    await proxy.setMode({ kind: 'half-open' });
    await expect(read()).rejects.toBeInstanceOf(VaultTimeoutError);
    await proxy.close();
    expect(proxy.openSockets()).toBe(0);
  });
});
