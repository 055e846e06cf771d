import { X509Certificate } from 'node:crypto';
import { VaultKubernetesClient, VaultPermissionDeniedError } from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
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

/**
 * The mock has no `pki/sign` yet, so sign() is checked against Vault's documented exchange,
 * answered by a fetch in front of the mock: POST <mount>/sign/<role> with the CSR and the names;
 * the answer has no private key.
 */
describe('vault.pki(mount).sign', () => {
  it('sends the CSR and the names to <mount>/sign/<role> and types the answer', async () => {
    f = await engineFixture(POLICY, setup);
    const received: { url?: string; body?: unknown } = {};
    const signing: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (!request.url.endsWith('/sign/web')) return fetch(request);
      received.url = new URL(request.url).pathname;
      received.body = await request.json();
      const data = {
        certificate: 'CERT',
        issuing_ca: 'CA',
        ca_chain: ['CA'],
        serial_number: '39:dd',
        expiration: 1_900_000_000,
      };
      const body = {
        request_id: 'r',
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data,
        warnings: null,
        auth: null,
      };
      return new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } });
    };
    const vault = new VaultKubernetesClient({
      address: f.mock.address,
      auth: { method: 'token', token: f.mock.rootToken },
      fetch: signing,
      logLevel: 'silent',
    });
    try {
      const signed = await vault
        .pki('pki-int')
        .sign('web', '-----BEGIN CERTIFICATE REQUEST-----', { commonName: 'api.example.com', ttl: 3600 });
      expect(received).toEqual({
        url: '/v1/pki-int/sign/web',
        body: { common_name: 'api.example.com', ttl: 3600, csr: '-----BEGIN CERTIFICATE REQUEST-----' },
      });
      expect(signed).toEqual({
        certificate: 'CERT',
        issuingCa: 'CA',
        caChain: ['CA'],
        serialNumber: '39:dd',
        expiration: 1_900_000_000_000,
      });
    } finally {
      await vault.close();
    }
  });
});
