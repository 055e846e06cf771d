import {
  InvalidRequestError,
  ResponseShapeError,
  VaultBadRequestError,
  VaultKubernetesClient,
} from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { calls, type EngineFixture, engineFixture } from './fixture';

let f: EngineFixture;
afterEach(async () => {
  await f?.close();
});

const POLICY = `
path "transit/encrypt/orders"           { capabilities = ["update"] }
path "transit/decrypt/orders"           { capabilities = ["update"] }
path "transit/rewrap/orders"            { capabilities = ["update"] }
path "transit/datakey/plaintext/orders" { capabilities = ["update"] }
path "transit/datakey/wrapped/orders"   { capabilities = ["update"] }
path "transit/encrypt/tenant"           { capabilities = ["update"] }
path "transit/decrypt/tenant"           { capabilities = ["update"] }
`;

const setup = async (mock: EngineFixture['mock']) => {
  await mock.write('sys/mounts/transit', { type: 'transit' });
  await mock.write('transit/keys/orders', {});
  await mock.write('transit/keys/tenant', { derived: true });
};

describe('vault.transit(mount)', () => {
  it("encrypt and decrypt round-trip text and bytes; ciphertexts are Vault's vault:v1: form", async () => {
    f = await engineFixture(POLICY, setup);
    const transit = f.vault.transit();
    const sealed = await transit.encrypt('orders', 'card 4111 1111 1111 1111');
    expect(sealed.ciphertext).toMatch(/^vault:v1:/);
    expect(sealed.keyVersion).toBe(1);
    expect((await transit.decrypt('orders', sealed.ciphertext)).toString()).toBe('card 4111 1111 1111 1111');
    const bytes = Uint8Array.from([0, 255, 1, 254]);
    const back = await transit.decrypt('orders', (await transit.encrypt('orders', bytes)).ciphertext);
    expect([...back]).toEqual([0, 255, 1, 254]);
  });

  it('derived keys take a context; the wrong context does not decrypt', async () => {
    f = await engineFixture(POLICY, setup);
    const transit = f.vault.transit();
    const { ciphertext } = await transit.encrypt('tenant', 'hello', { context: 'tenant-a' });
    expect((await transit.decrypt('tenant', ciphertext, { context: 'tenant-a' })).toString()).toBe('hello');
    await expect(transit.decrypt('tenant', ciphertext, { context: 'tenant-b' })).rejects.toBeInstanceOf(
      VaultBadRequestError,
    );
  });

  it('rewrap moves a ciphertext to the latest key version without exposing the plaintext', async () => {
    f = await engineFixture(POLICY, setup);
    const transit = f.vault.transit();
    const old = await transit.encrypt('orders', 'secret');
    await f.mock.write('transit/keys/orders/rotate', {});
    const rewrapped = await transit.rewrap('orders', old.ciphertext);
    expect([rewrapped.keyVersion, rewrapped.ciphertext.startsWith('vault:v2:')]).toEqual([2, true]);
    expect((await transit.decrypt('orders', rewrapped.ciphertext)).toString()).toBe('secret');
    const [batch] = await transit.rewrapBatch('orders', [{ ciphertext: old.ciphertext }]);
    expect(batch).toMatchObject({ ok: true, keyVersion: 2 });
  });

  it('batches: results in order, one bad item reported alone while the others succeed', async () => {
    f = await engineFixture(POLICY, setup);
    const transit = f.vault.transit();
    const sealed = await transit.encryptBatch('orders', [{ plaintext: 'a' }, { plaintext: 'b' }]);
    expect(sealed.map((r) => r.ok)).toEqual([true, true]);
    const ciphertexts = sealed.map((r) => (r.ok ? r.ciphertext : ''));
    const opened = await transit.decryptBatch('orders', [
      { ciphertext: ciphertexts[1]! },
      { ciphertext: 'vault:v1:bm90LWEtY2lwaGVydGV4dA==' },
      { ciphertext: ciphertexts[0]! },
    ]);
    expect(opened.map((r) => (r.ok ? r.plaintext.toString() : 'failed'))).toEqual(['b', 'failed', 'a']);
    expect(opened[1]).toMatchObject({ ok: false, error: expect.any(String) });
    // Every item failing is Vault's 400.
    await expect(transit.decryptBatch('orders', [{ ciphertext: 'vault:v1:AAAA' }])).rejects.toBeInstanceOf(
      VaultBadRequestError,
    );
    await expect(transit.encryptBatch('orders', [])).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('data keys: a plaintext key with its wrapped form, which Vault decrypts back to the same key', async () => {
    f = await engineFixture(POLICY, setup);
    const transit = f.vault.transit();
    const key = await transit.dataKey('orders', { bits: 256 });
    expect(key.plaintext).toHaveLength(32);
    expect((await transit.decrypt('orders', key.ciphertext)).toString('base64')).toBe(
      key.plaintext.toString('base64'),
    );
    const wrapped = await transit.wrappedDataKey('orders', { bits: 128 });
    expect(wrapped).not.toHaveProperty('plaintext');
    expect((await transit.decrypt('orders', wrapped.ciphertext)).toString('base64')).toHaveLength(24);
  });

  it('a key name with a slash is refused before anything is sent', async () => {
    f = await engineFixture(POLICY, setup);
    await expect(f.vault.transit().encrypt('orders/../x', 'a')).rejects.toBeInstanceOf(InvalidRequestError);
    expect(calls(f.mock, /^transit\//)).toEqual([]);
  });

  it('an answer without the documented shape is a ResponseShapeError naming the field, never the value', async () => {
    f = await engineFixture(POLICY, setup);
    // A proxy (or a Vault that changed) answers decrypt with a number where the plaintext goes.
    const proxy: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (!request.url.endsWith('/transit/decrypt/orders')) return fetch(request);
      const data = { plaintext: 987654321 };
      return new Response(
        JSON.stringify({ request_id: 'r', lease_id: '', renewable: false, lease_duration: 0, data }),
        {
          headers: { 'Content-Type': 'application/json' },
        },
      );
    };
    const vault = new VaultKubernetesClient({
      address: f.mock.address,
      auth: { method: 'token', token: f.mock.rootToken },
      fetch: proxy,
      logLevel: 'silent',
    });
    try {
      const error = await vault
        .transit()
        .decrypt('orders', 'vault:v1:AAAA')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResponseShapeError);
      expect((error as ResponseShapeError).issues).toEqual([expect.stringMatching(/^plaintext: /)]);
      expect(String((error as Error).message)).not.toContain('987654321');
    } finally {
      await vault.close();
    }
  });
});
