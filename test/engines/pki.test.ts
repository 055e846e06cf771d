import { createPublicKey, X509Certificate } from 'node:crypto';
import {
  InvalidRequestError,
  VaultBadRequestError,
  VaultPermissionDeniedError,
} from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { opensslCsr } from '../testing/support/openssl';
import { type EngineFixture, engineFixture } from './fixture';

let f: EngineFixture;
afterEach(async () => {
  await f?.close();
});

const POLICY = 'path "pki/issue/web" { capabilities = ["update"] }';
const setup = async (mock: EngineFixture['mock']) => {
  await mock.write('sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
  await mock.write('pki/root/generate/internal', {
    common_name: 'example.com',
    ttl: '87600h',
    key_type: 'ec',
  });
  await mock.write('pki/roles/web', {
    allowed_domains: 'example.com',
    allow_subdomains: true,
    key_type: 'ec',
    max_ttl: '72h',
  });
};

describe('vault.pki(mount)', () => {
  it('issue(role): a certificate and key for the names asked, expiration in epoch ms', async () => {
    f = await engineFixture(POLICY, setup);
    const cert = await f.vault
      .pki()
      .issue('web', { commonName: 'api.example.com', altNames: ['www.example.com'], ttl: '24h' });
    const x509 = new X509Certificate(cert.certificate);
    expect(x509.subject).toContain('CN=api.example.com');
    expect(x509.subjectAltName).toContain('DNS:www.example.com');
    expect(cert.expiration).toBe(Date.parse(x509.validTo));
    expect(cert.privateKey).toMatch(/^-----BEGIN (EC )?PRIVATE KEY-----/);
    expect(cert.privateKeyType).toBe('ec');
    expect(cert.serialNumber).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2})+$/);
    expect(new X509Certificate(cert.issuingCa).subject).toContain('CN=example.com');
    // Vault's reason comes through; the written value it quotes is scrubbed like any written value.
    await expect(f.vault.pki().issue('web', { commonName: 'evil.org' })).rejects.toThrow(
      /400\): common name \[redacted\] not allowed by this role/,
    );
  });

  it('certificate(role): managed, cached, re-issued before it expires', async () => {
    f = await engineFixture(POLICY, setup);
    const pki = f.vault.pki();
    const first = await pki.certificate('web', { commonName: 'api.example.com', ttl: '3h' });
    expect((await pki.certificate('web', { commonName: 'api.example.com', ttl: '3h' })).data).toBe(
      first.data,
    );
    const serials: unknown[] = [first.data.serial_number];
    f.vault.on('secret:rotated', (e) => {
      if (e.reason === 'certificate-expiring') serials.push(e.current.data.serial_number);
    });
    await f.mock.clock.advance(2.5 * 3_600_000);
    expect(serials).toHaveLength(2);
    expect(serials[1]).not.toBe(serials[0]);
  });

  it('the policy decides: another role is refused', async () => {
    f = await engineFixture(POLICY, setup);
    await expect(f.vault.pki().issue('admin', { commonName: 'x.example.com' })).rejects.toBeInstanceOf(
      VaultPermissionDeniedError,
    );
  });
});

describe('vault.pki(mount).sign', () => {
  const SIGN_POLICY = `${POLICY}\npath "pki/sign/web" { capabilities = ["update"] }`;

  it('has the mock sign an openssl CSR: typed answer, the CSR’s key, names from the CSR', async () => {
    f = await engineFixture(SIGN_POLICY, setup);
    const { csr, privateKey } = opensslCsr({
      subject: '/CN=api.example.com',
      addext: ['subjectAltName=DNS:www.example.com'],
    });
    const signed = await f.vault.pki().sign('web', csr, { ttl: '24h' });
    expect(Object.keys(signed).sort()).toEqual([
      'caChain',
      'certificate',
      'expiration',
      'issuingCa',
      'serialNumber',
    ]);
    const x509 = new X509Certificate(signed.certificate);
    const ca = new X509Certificate(signed.issuingCa);
    expect(x509.verify(ca.publicKey)).toBe(true);
    expect(x509.publicKey.equals(createPublicKey(privateKey))).toBe(true);
    expect(x509.subject).toBe('CN=api.example.com');
    expect(x509.subjectAltName).toBe('DNS:www.example.com, DNS:api.example.com');
    expect(signed.caChain).toEqual([signed.issuingCa]);
    expect(signed.expiration).toBe(Date.parse(x509.validTo));
    expect(signed.expiration - f.mock.clock.now()).toBeLessThanOrEqual(24 * 3_600_000);
    expect(signed.serialNumber.replaceAll(':', '').toUpperCase()).toBe(x509.serialNumber);
  });

  it('the role decides: a CSR for a name outside it is Vault’s 400; not a CSR is refused before sending', async () => {
    f = await engineFixture(SIGN_POLICY, setup);
    const { csr } = opensslCsr({ subject: '/CN=api.evil.org' });
    await expect(f.vault.pki().sign('web', csr)).rejects.toBeInstanceOf(VaultBadRequestError);
    const before = f.mock.audit.count({ path: 'pki/sign/web' });
    await expect(f.vault.pki().sign('web', 'MIIB...')).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(f.vault.pki().sign('web/x', csr)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(f.mock.audit.count({ path: 'pki/sign/web' })).toBe(before);
  });
});
