import { createPublicKey, verify } from 'node:crypto';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, expectErrors } from './support/vault';

/*
 * transit sign/verify (builtin/logical/transit/path_sign_verify.go, sdk/helper/keysutil Sign and
 * VerifySignature): signatures in Vault's `vault:v<N>:` form, checked here with node:crypto
 * against the public key the key read shows, as a verifier outside Vault would.
 */
let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault();
  await call(mock, 'POST', 'sys/mounts/transit', { type: 'transit' });
});
afterEach(async () => {
  await mock.close();
});

const input = Buffer.from('the message').toString('base64');
const publicKey = async (name: string, version = 1) =>
  (await call(mock, 'GET', `transit/keys/${name}`)).body.data.keys[String(version)].public_key as string;
const bytesOf = (signature: string, encoding: BufferEncoding = 'base64') =>
  Buffer.from(signature.split(':')[2] ?? '', encoding);

describe('sign and verify', () => {
  it.each([
    ['ecdsa-p256', 'sha256'],
    ['ecdsa-p384', 'sha384'],
    ['ed25519', null],
  ] as const)('%s: signs what an outside verifier accepts, and verifies its own', async (type, hash) => {
    expect((await call(mock, 'POST', `transit/keys/k`, { type })).status).toBe(200);
    const path = hash === 'sha384' ? 'transit/sign/k/sha2-384' : 'transit/sign/k';
    const signed = await call(mock, 'POST', path, { input });
    expect(signed.body.data).toEqual({ signature: expect.stringMatching(/^vault:v1:/), key_version: 1 });
    const pem = await publicKey('k');
    const key =
      type === 'ed25519'
        ? createPublicKey({
            key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(pem, 'base64')]),
            format: 'der',
            type: 'spki',
          })
        : createPublicKey(pem);
    expect(verify(hash, Buffer.from('the message'), key, bytesOf(signed.body.data.signature))).toBe(true);
    const verifyPath = hash === 'sha384' ? 'transit/verify/k/sha2-384' : 'transit/verify/k';
    const good = await call(mock, 'POST', verifyPath, { input, signature: signed.body.data.signature });
    expect(good.body.data).toEqual({ valid: true });
    const other = Buffer.from('another message').toString('base64');
    const bad = await call(mock, 'POST', verifyPath, { input: other, signature: signed.body.data.signature });
    expect(bad.body.data).toEqual({ valid: false });
  });

  it('rotates: old signatures still verify, new ones carry the new version', async () => {
    await call(mock, 'POST', 'transit/keys/k', { type: 'ecdsa-p256' });
    const v1 = (await call(mock, 'POST', 'transit/sign/k', { input })).body.data.signature;
    await call(mock, 'POST', 'transit/keys/k/rotate');
    const v2 = (await call(mock, 'POST', 'transit/sign/k', { input })).body.data.signature;
    expect(v2).toMatch(/^vault:v2:/);
    for (const signature of [v1, v2]) {
      expect((await call(mock, 'POST', 'transit/verify/k', { input, signature })).body.data.valid).toBe(true);
    }
    await call(mock, 'POST', 'transit/keys/k/config', { min_decryption_version: 2 });
    expectErrors(await call(mock, 'POST', 'transit/verify/k', { input, signature: v1 }), 400, [
      'ciphertext or signature version is disallowed by policy (too old)',
    ]);
  });

  it('signs in JWS form (IEEE P1363, base64url) when asked', async () => {
    await call(mock, 'POST', 'transit/keys/k', { type: 'ecdsa-p256' });
    const signed = (await call(mock, 'POST', 'transit/sign/k', { input, marshaling_algorithm: 'jws' })).body
      .data;
    const raw = bytesOf(signed.signature, 'base64url');
    expect(raw).toHaveLength(64);
    expect(
      verify(
        'sha256',
        Buffer.from('the message'),
        { key: createPublicKey(await publicKey('k')), dsaEncoding: 'ieee-p1363' },
        raw,
      ),
    ).toBe(true);
  });

  it('signs a batch, each item with its reference', async () => {
    await call(mock, 'POST', 'transit/keys/k', { type: 'ed25519' });
    const res = await call(mock, 'POST', 'transit/sign/k', {
      batch_input: [
        { input, reference: 'a' },
        { input: 'not base64!', reference: 'b' },
      ],
    });
    expect(res.body.data.batch_results[0]).toMatchObject({ reference: 'a', key_version: 1 });
    expect(res.body.data.batch_results[1]).toEqual({
      reference: 'b',
      error: 'unable to decode input as base64: illegal base64 data at input byte 3',
    });
  });

  it("answers Vault's errors for a missing key, a key that cannot sign, and bad input", async () => {
    expectErrors(await call(mock, 'POST', 'transit/sign/nope', { input }), 400, ['signing key not found']);
    await call(mock, 'POST', 'transit/keys/aes', {});
    expectErrors(await call(mock, 'POST', 'transit/sign/aes', { input }), 400, [
      'key type aes256-gcm96 does not support signing',
    ]);
    await call(mock, 'POST', 'transit/keys/k', { type: 'ecdsa-p256' });
    expectErrors(await call(mock, 'POST', 'transit/sign/k', { input, hash_algorithm: 'md5' }), 400, [
      'unsupported hash algorithm md5',
    ]);
    expectErrors(await call(mock, 'POST', 'transit/verify/k', { input, signature: 'nope' }), 400, [
      'invalid signature: no prefix',
    ]);
    expectErrors(await call(mock, 'POST', 'transit/encrypt/k', { plaintext: input }), 400, [
      'key type ecdsa-p256 does not support encryption',
    ]);
    expect((await call(mock, 'GET', 'transit/keys/k')).body.data).toMatchObject({
      supports_signing: true,
      supports_encryption: false,
      keys: { 1: { name: 'P-256', public_key: expect.stringContaining('BEGIN PUBLIC KEY') } },
    });
  });
});
