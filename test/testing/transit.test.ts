import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, expectShape } from './support/vault';

let mock: MockVault;

/** Over real HTTP, as any client reaches Vault; status and body, which is what these tests compare. */
const api = async (method: string, path: string, body?: unknown, token?: string) => {
  const { status, body: answer } = await call(mock, method, path, body, token === undefined ? {} : { token });
  return { status, body: answer };
};

const put = (path: string, body: unknown = {}, token?: string) => api('POST', path, body, token);
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Flips one bit inside the base64 body of a `vault:vN:` ciphertext. */
function tamper(ciphertext: string): string {
  const [prefix, version, body] = ciphertext.split(':');
  const bytes = Buffer.from(body!, 'base64');
  bytes[14]! ^= 0x01;
  return `${prefix}:${version}:${bytes.toString('base64')}`;
}

beforeEach(async () => {
  mock = await startMockVault();
  await mock.write('sys/mounts/transit', { type: 'transit' });
});

afterEach(async () => {
  await mock.close();
});

describe('fixtures (vault-fixtures.json transit_*)', () => {
  const plaintext = 'dGhlIHF1aWNrIGJyb3duIGZveAo=';

  it('transit_encrypt: upserts the key and answers vault:v1 with key_version', async () => {
    const res = await put('transit/encrypt/my-key', { plaintext });
    expect(res.status).toBe(200);
    expectShape(res.body, { data: { ciphertext: 'vault:v1:XjsPWPjqPrBi1N2Ms2s1QM798YyFWnO4TR4lsFA=' } });
    expect(res.body.data.key_version).toBe(1);
    expect(res.body.data.ciphertext).toMatch(/^vault:v1:[A-Za-z0-9+/]+=*$/);
    // nonce (12) || ciphertext (plaintext length) || tag (16)
    const body = Buffer.from(res.body.data.ciphertext.slice('vault:v1:'.length), 'base64');
    expect(body.length).toBe(12 + Buffer.from(plaintext, 'base64').length + 16);
    expect(res.body).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0, warnings: null });
  });

  it('transit_decrypt: answers the plaintext', async () => {
    const sealed = await put('transit/encrypt/my-key', { plaintext });
    const res = await put('transit/decrypt/my-key', { ciphertext: sealed.body.data.ciphertext });
    expect(res.status).toBe(200);
    expectShape(res.body, { data: { plaintext } });
    expect(res.body.data).toEqual({ plaintext });
  });
});

describe('keys', () => {
  it('creates, reads, lists and refuses deletion until allowed', async () => {
    const created = await put('transit/keys/orders', { exportable: true });
    expect(created.status).toBe(200);
    const read = await api('GET', 'transit/keys/orders');
    expect(read.body.data).toMatchObject({
      name: 'orders',
      type: 'aes256-gcm96',
      latest_version: 1,
      min_decryption_version: 1,
      min_encryption_version: 0,
      exportable: true,
      deletion_allowed: false,
      supports_encryption: true,
      keys: { '1': Math.floor(mock.clock.now() / 1000) },
    });
    const again = await put('transit/keys/orders');
    expect(again.body.warnings).toEqual(['key orders already existed']);
    expect((await api('LIST', 'transit/keys')).body.data.keys).toEqual(['orders']);

    const refused = await api('DELETE', 'transit/keys/orders');
    expect(refused).toEqual({
      status: 400,
      body: { errors: ['error deleting policy orders: deletion is not allowed for this key'] },
    });
    await put('transit/keys/orders/config', { deletion_allowed: true });
    expect((await api('DELETE', 'transit/keys/orders')).status).toBe(204);
    expect((await api('GET', 'transit/keys/orders')).status).toBe(404);
  });

  it('rejects unknown key types', async () => {
    const res = await put('transit/keys/k', { type: 'des' });
    expect(res).toEqual({ status: 400, body: { errors: ['unknown key type des'] } });
  });
});

describe('encryption', () => {
  it('round-trips arbitrary bytes with real AES-256-GCM', async () => {
    const data = Buffer.from([0, 1, 2, 250, 255, 10, 13]).toString('base64');
    const sealed = await put('transit/encrypt/k', { plaintext: data });
    const opened = await put('transit/decrypt/k', { ciphertext: sealed.body.data.ciphertext });
    expect(opened.body.data.plaintext).toBe(data);
  });

  it('detects tampering', async () => {
    const sealed = await put('transit/encrypt/k', { plaintext: b64('secret') });
    const res = await put('transit/decrypt/k', { ciphertext: tamper(sealed.body.data.ciphertext) });
    expect(res).toEqual({ status: 400, body: { errors: ['cipher: message authentication failed'] } });
  });

  it('words malformed ciphertexts as Vault does', async () => {
    await put('transit/keys/k');
    const cases: [string, string][] = [
      ['nope:v1:abc', 'invalid ciphertext: no prefix'],
      ['vault:v1', 'invalid ciphertext: wrong number of fields'],
      ['vault:vX:abc', 'invalid ciphertext: version number could not be decoded'],
      ['vault:v9:abc', 'invalid ciphertext: version is too new'],
      ['vault:v1:!!!', 'invalid ciphertext: could not decode base64'],
      ['vault:v1:AAAA', 'invalid ciphertext length'],
    ];
    for (const [ciphertext, error] of cases) {
      const res = await put('transit/decrypt/k', { ciphertext });
      expect(res, ciphertext).toEqual({ status: 400, body: { errors: [error] } });
    }
  });

  it('answers missing input and unknown keys with Vault’s errors', async () => {
    expect(await put('transit/encrypt/k', {})).toEqual({
      status: 400,
      body: { errors: ['missing plaintext to encrypt'] },
    });
    expect(await put('transit/decrypt/nope', { ciphertext: 'vault:v1:AAAA' })).toEqual({
      status: 400,
      body: { errors: ['encryption key not found'] },
    });
    expect(await put('transit/encrypt/k', { plaintext: 'a$' })).toEqual({
      status: 400,
      body: { errors: ['illegal base64 data at input byte 1'] },
    });
  });

  it('needs the create capability to upsert a key', async () => {
    await mock.write('sys/policies/acl/enc', {
      policy: 'path "transit/encrypt/*" { capabilities = ["update"] }',
    });
    const token = (await put('auth/token/create', { policies: ['enc'] })).body.auth.client_token;
    const denied = await put('transit/encrypt/fresh', { plaintext: b64('x') }, token);
    expect(denied.status).toBe(403);
    await put('transit/keys/fresh');
    expect((await put('transit/encrypt/fresh', { plaintext: b64('x') }, token)).status).toBe(200);
  });

  it('rotates, decrypts old versions, honours min_decryption_version and rewraps', async () => {
    const v1 = await put('transit/encrypt/k', { plaintext: b64('one') });
    await mock.clock.advance(60_000);
    const rotated = await put('transit/keys/k/rotate');
    expect(rotated.body.data.latest_version).toBe(2);
    expect(Object.keys(rotated.body.data.keys)).toEqual(['1', '2']);
    const v2 = await put('transit/encrypt/k', { plaintext: b64('two') });
    expect(v2.body.data).toMatchObject({ key_version: 2 });
    expect(v2.body.data.ciphertext).toMatch(/^vault:v2:/);
    expect(
      (await put('transit/decrypt/k', { ciphertext: v1.body.data.ciphertext })).body.data.plaintext,
    ).toBe(b64('one'));

    const old = await put('transit/encrypt/k', { plaintext: b64('old'), key_version: 1 });
    expect(old.body.data.ciphertext).toMatch(/^vault:v1:/);

    const rewrapped = await put('transit/rewrap/k', { ciphertext: v1.body.data.ciphertext });
    expect(rewrapped.body.data).toMatchObject({ key_version: 2 });
    expect(rewrapped.body.data.ciphertext).toMatch(/^vault:v2:/);

    await put('transit/keys/k/config', { min_decryption_version: 2 });
    const tooOld = await put('transit/decrypt/k', { ciphertext: v1.body.data.ciphertext });
    expect(tooOld).toEqual({
      status: 400,
      body: { errors: ['ciphertext or signature version is disallowed by policy (too old)'] },
    });
    const fromRewrap = await put('transit/decrypt/k', { ciphertext: rewrapped.body.data.ciphertext });
    expect(fromRewrap.body.data.plaintext).toBe(b64('one'));
  });

  it('handles batch_input, answering 400 with per-item errors', async () => {
    const sealed = await put('transit/encrypt/k', {
      batch_input: [{ plaintext: b64('a'), reference: 'first' }, { plaintext: b64('b') }],
    });
    expect(sealed.status).toBe(200);
    expect(sealed.body.data.batch_results).toHaveLength(2);
    expect(sealed.body.data.batch_results[0]).toMatchObject({ key_version: 1, reference: 'first' });
    const [a, b] = sealed.body.data.batch_results.map((r: { ciphertext: string }) => r.ciphertext);

    const opened = await put('transit/decrypt/k', {
      batch_input: [{ ciphertext: a }, { ciphertext: tamper(b) }, { ciphertext: b }],
    });
    expect(opened.status).toBe(400);
    expect(opened.body.data.batch_results).toEqual([
      { plaintext: b64('a'), reference: '' },
      { plaintext: '', error: 'cipher: message authentication failed', reference: '' },
      { plaintext: b64('b'), reference: '' },
    ]);
    const partial = await put('transit/decrypt/k', {
      batch_input: [{ ciphertext: a }, { ciphertext: 'bad' }],
      partial_failure_response_code: 207,
    });
    expect(partial.status).toBe(207);
  });

  it('issues data keys sealed under the named key', async () => {
    await put('transit/keys/k');
    const res = await put('transit/datakey/plaintext/k', { bits: 128 });
    expect(res.status).toBe(200);
    expect(Buffer.from(res.body.data.plaintext, 'base64')).toHaveLength(16);
    const opened = await put('transit/decrypt/k', { ciphertext: res.body.data.ciphertext });
    expect(opened.body.data.plaintext).toBe(res.body.data.plaintext);
    const wrapped = await put('transit/datakey/wrapped/k');
    expect(wrapped.body.data).not.toHaveProperty('plaintext');
    expect(wrapped.body.data.key_version).toBe(1);
  });

  it('derives per-context keys for derived keys', async () => {
    await put('transit/keys/d', { derived: true });
    const context = b64('tenant-1');
    const sealed = await put('transit/encrypt/d', { plaintext: b64('x'), context });
    expect(sealed.status).toBe(200);
    const wrong = await put('transit/decrypt/d', {
      ciphertext: sealed.body.data.ciphertext,
      context: b64('tenant-2'),
    });
    expect(wrong.body.errors).toEqual(['cipher: message authentication failed']);
    const missing = await put('transit/decrypt/d', { ciphertext: sealed.body.data.ciphertext });
    expect(missing.body.errors[0]).toMatch(/^missing 'context' for key derivation/);
    const right = await put('transit/decrypt/d', { ciphertext: sealed.body.data.ciphertext, context });
    expect(right.body.data.plaintext).toBe(b64('x'));
  });
});
