import { fileURLToPath } from 'node:url';
import { VaultResponseTooLargeError } from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { runNode } from '../helpers/child-node';
import { type HostileVault, reply, startHostileVault } from './server';
import { observe } from './transport-support';

const MiB = 1024 * 1024;
const DEFAULT_LIMIT = 32 * MiB;

let vault: HostileVault | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  await vault?.close();
  vault = undefined;
  close = undefined;
});

async function setup(options: Parameters<typeof observe>[1] = {}) {
  vault = await startHostileVault();
  vault.route('auth/token/lookup-self', reply.lookupSelf());
  const o = observe(vault, options);
  close = () => o.client.close();
  await o.client.start();
  return { v: vault, o };
}

describe('class 3: answers are capped while they stream (maxResponseBytes, default 32 MiB)', () => {
  it('an announced 200 MB answer is refused at its headers: typed error with limit and size, connection dropped', async () => {
    const { v, o } = await setup({ retry: { maxRetries: 2 } });
    v.route('secret/data/big', { stream: { bytes: 200 * 1000 * 1000, prefix: '{"data":{"data":{"x":"' } });
    const error = (await o.failure(o.client.read('secret/data/big'))) as VaultResponseTooLargeError;
    expect(error).toBeInstanceOf(VaultResponseTooLargeError);
    expect(error.code).toBe('ERR_RESPONSE_TOO_LARGE');
    expect(error.limitBytes).toBe(DEFAULT_LIMIT);
    expect(error.declaredBytes).toBe(200 * 1000 * 1000 + 22);
    expect(error.receivedBytes).toBeLessThanOrEqual(64 * 1024);
    expect(error.message).toMatch(
      /GET secret\/data\/big announced 190\.7 MiB, more than maxResponseBytes \(32 MiB\)/,
    );
    // Not retried (the same answer would come again), and the connection is not kept for reuse.
    const sent = v.requests.filter((r) => r.path === 'secret/data/big');
    expect(sent).toHaveLength(1);
    await sent[0]!.connectionClosed;
  });

  it('an unannounced (chunked) stream is cut just past the limit, and the next call gets a fresh connection', async () => {
    const { v, o } = await setup();
    v.route('secret/data/endless', { stream: { bytes: 300 * MiB, chunked: true } });
    const error = (await o.failure(o.client.read('secret/data/endless'))) as VaultResponseTooLargeError;
    expect(error).toBeInstanceOf(VaultResponseTooLargeError);
    expect(error.declaredBytes).toBeUndefined();
    expect(error.receivedBytes).toBeGreaterThan(DEFAULT_LIMIT);
    expect(error.receivedBytes).toBeLessThan(DEFAULT_LIMIT + 2 * MiB);
    expect(error.message).toMatch(/was still streaming after 32(\.\d)? MiB/);
    const endless = v.requests.find((r) => r.path === 'secret/data/endless')!;
    await endless.connectionClosed;
    v.route('secret/data/small', reply.kv2({ a: 'b' }));
    await o.client.read('secret/data/small');
    expect(v.requests.at(-1)!.connectionClosed).not.toBe(endless.connectionClosed);
  });

  it('the limit is exact: an answer of exactly maxResponseBytes passes, one byte more fails', async () => {
    const { v, o } = await setup({ maxResponseBytes: 4096 });
    const body = (size: number) => {
      const shell = JSON.stringify(reply.kv2({ pad: '' }).body);
      return shell.replace('"pad":""', `"pad":"${'p'.repeat(size - shell.length)}"`);
    };
    v.route('secret/data/exact', { body: body(4096) });
    v.route('secret/data/over', { body: body(4097) });
    v.route('secret/data/over-chunked', { body: body(4097), headers: { 'transfer-encoding': 'chunked' } });
    expect((await o.client.read('secret/data/exact')).data).toHaveProperty('data.pad');
    expect(await o.failure(o.client.read('secret/data/over'))).toBeInstanceOf(VaultResponseTooLargeError);
    expect(await o.failure(o.client.read('secret/data/over-chunked'))).toBeInstanceOf(
      VaultResponseTooLargeError,
    );
  });

  it.each([
    ['200 MB with content-length', { bytes: 200 * 1000 * 1000 }],
    ['300 MB chunked', { bytes: 300 * 1000 * 1000, chunked: true }],
  ])(
    'a %s answer to a process with a 64 MB heap: a typed error, not an out-of-memory death',
    async (_name, stream) => {
      vault = await startHostileVault();
      vault.route('auth/token/lookup-self', reply.lookupSelf());
      vault.route('secret/data/huge', { stream: { ...stream, prefix: '{"data":{"data":{"x":"' } });
      const fixture = fileURLToPath(new URL('./fixtures/read-huge.ts', import.meta.url));
      const { code, stdout, stderr } = await runNode([
        '--max-old-space-size=64',
        '--import',
        'tsx',
        fixture,
        vault.address,
        'secret/data/huge',
      ]);
      expect(code, stderr).toBe(0);
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(result).toMatchObject({
        outcome: 'refused',
        name: 'VaultResponseTooLargeError',
        code: 'ERR_RESPONSE_TOO_LARGE',
      });
      expect(result.heapUsed as number).toBeLessThan(64 * MiB);
    },
    60_000,
  );
});
