import { createPublicKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCsr } from '../../src/testing/x509/csr';
import * as der from '../../src/testing/x509/der';
import { generateKey } from '../../src/testing/x509/keys';
import { opensslCsr } from './support/openssl';
import { usePkiMock } from './support/pki';
import { call } from './support/vault';

/*
 * pki/sign/:role and pki/sign-verbatim against Vault's behaviour. Error strings from
 * hashicorp/vault builtin/logical/pki: path_issue_sign.go, cert_util.go (signCert),
 * issuing/sign_cert.go (key checks), issuing/issue_common.go (names, TTL) and
 * sdk/helper/certutil/helpers.go (signCertificate: the CSR's own signature). CSRs come from the
 * openssl CLI, so the mock's reader is not tested against its own writer.
 */

const pki = usePkiMock();
const put = (path: string, body: unknown = {}) => call(pki.mock(), 'POST', path, body);
const HOUR = 3_600_000;
const ROLE = { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', max_ttl: '72h' };

const setupCa = () => pki.setupCa('8760h');

const spkiOf = (pem: string) =>
  createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');

describe('pki/sign/:role', () => {
  it('signs an openssl CSR: the CA verifies it, the key and names are the CSR’s, no private key comes back', async () => {
    const ca = await setupCa();
    await pki.mock().write('pki/roles/web', ROLE);
    const { csr, privateKey } = opensslCsr({
      subject: '/CN=api.example.com',
      addext: ['subjectAltName=DNS:www.example.com,IP:10.0.0.7'],
    });
    const res = await put('pki/sign/web', { csr, ttl: '2h' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.data).sort()).toEqual([
      'ca_chain',
      'certificate',
      'expiration',
      'issuing_ca',
      'serial_number',
    ]);
    const cert = new X509Certificate(res.body.data.certificate);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')).toBe(
      spkiOf(privateKey),
    );
    expect(cert.subject).toBe('CN=api.example.com');
    expect(cert.subjectAltName).toBe('DNS:www.example.com, DNS:api.example.com, IP Address:10.0.0.7');
    expect(cert.ca).toBe(false);
    expect(res.body.data.issuing_ca).toBe(ca.toString().trim());
    expect(res.body.data.ca_chain).toEqual([res.body.data.issuing_ca]);
    expect(res.body.data.expiration).toBe(Math.floor((pki.mock().clock.now() + 2 * HOUR) / 1000));
    expect(res.body.data.serial_number.replaceAll(':', '').toUpperCase()).toBe(cert.serialNumber);
    // Stored like an issued certificate.
    const read = await call(pki.mock(), 'GET', `pki/cert/${res.body.data.serial_number}`);
    expect(read.body.data.certificate).toBe(res.body.data.certificate);
  });

  it('takes RSA, P-384 and Ed25519 keys as the role’s key_type allows, and refuses the others', async () => {
    await setupCa();
    await pki.mock().write('pki/roles/any', { ...ROLE, key_type: 'any' });
    for (const key of ['rsa-2048', 'ec-384', 'ed25519'] as const) {
      const { csr, privateKey } = opensslCsr({ key, subject: '/CN=k.example.com' });
      const res = await put('pki/sign/any', { csr });
      expect(res.status, key).toBe(200);
      const cert = new X509Certificate(res.body.data.certificate);
      expect(cert.publicKey.asymmetricKeyType).toBe(createPublicKey(privateKey).asymmetricKeyType);
    }
    await pki.mock().write('pki/roles/rsa', { ...ROLE, key_type: 'rsa' });
    const ec = opensslCsr({ subject: '/CN=k.example.com' }).csr;
    expect((await put('pki/sign/rsa', { csr: ec })).body.errors).toEqual(['role requires keys of type rsa']);
    await pki.mock().write('pki/roles/p384', { ...ROLE, key_type: 'ec', key_bits: 384 });
    expect((await put('pki/sign/p384', { csr: ec })).body.errors).toEqual([
      "role requires a minimum of a 384-bit key, but CSR's key is 256 bits",
    ]);
    const weak = opensslCsr({ key: 'rsa-1024', subject: '/CN=k.example.com' }).csr;
    expect((await put('pki/sign/any', { csr: weak })).body.errors).toEqual([
      'RSA keys < 2048 bits are unsafe and not supported',
    ]);
  });

  it('refuses names outside the role, from the CSR’s subject and its SANs', async () => {
    await setupCa();
    await pki.mock().write('pki/roles/web', { ...ROLE, allow_ip_sans: false });
    const cases: [string, string[], string][] = [
      ['/CN=www.evil.com', [], 'common name www.evil.com not allowed by this role'],
      [
        '/CN=a.example.com',
        ['subjectAltName=DNS:b.evil.com'],
        'subject alternate name b.evil.com not allowed by this role',
      ],
      [
        '/CN=a.example.com',
        ['subjectAltName=IP:10.0.0.1'],
        'IP Subject Alternative Names are not allowed in this role, but was provided some via CSR',
      ],
      [
        '/O=Example',
        [],
        'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false',
      ],
    ];
    for (const [subject, addext, error] of cases) {
      const res = await put('pki/sign/web', { csr: opensslCsr({ subject, addext }).csr });
      expect(res, subject).toMatchObject({ status: 400, body: { errors: [error] } });
    }
    expect((await put('pki/sign/nope', { csr: 'x' })).body.errors).toEqual(['unknown role: nope']);
  });

  it('use_csr_common_name and use_csr_sans off: the request’s names, the CSR’s ignored; on: a warning for the request’s', async () => {
    await setupCa();
    await pki
      .mock()
      .write('pki/roles/api-names', { ...ROLE, use_csr_common_name: false, use_csr_sans: false });
    const { csr } = opensslCsr({ subject: '/CN=www.evil.com', addext: ['subjectAltName=DNS:x.evil.com'] });
    const res = await put('pki/sign/api-names', {
      csr,
      common_name: 'a.example.com',
      alt_names: 'b.example.com',
      ttl: '1h',
    });
    expect(res.status).toBe(200);
    const cert = new X509Certificate(res.body.data.certificate);
    expect(cert.subject).toBe('CN=a.example.com');
    expect(cert.subjectAltName).toBe('DNS:a.example.com, DNS:b.example.com');
    expect(res.body.warnings).toBeNull();

    await pki.mock().write('pki/roles/csr-names', ROLE);
    const own = opensslCsr({ subject: '/CN=c.example.com' }).csr;
    const warned = await put('pki/sign/csr-names', {
      csr: own,
      common_name: 'd.example.com',
      alt_names: 'e.example.com',
      ttl: '1h',
    });
    expect(new X509Certificate(warned.body.data.certificate).subject).toBe('CN=c.example.com');
    expect(warned.body.warnings).toEqual([
      'the common_name field was provided but the role is set with "use_csr_common_name" set to true',
      'the alt_names field was provided but the role is set with "use_csr_sans" set to true',
    ]);
  });

  it('refuses what is not a CSR signed by its own key, in Vault’s words and order', async () => {
    await setupCa();
    await pki.mock().write('pki/roles/web', ROLE);
    const errorOf = async (csr: string) => (await put('pki/sign/web', { csr })).body.errors;
    expect(await errorOf('')).toEqual(['"csr" is empty']);
    expect(await errorOf('not pem at all')).toEqual(['csr contains no data']);
    const junk = der.toPem('CERTIFICATE REQUEST', Buffer.from('3003020100', 'hex'));
    expect((await errorOf(junk))[0]).toMatch(/^certificate request could not be parsed: /);
    // A CSR whose subject changed after it was signed: everything checks out except the signature.
    const key = generateKey('ec');
    const signed = der.firstPemBlock(createCsr({ key, subject: { commonName: 'a.example.com' } }))!.der;
    const at = signed.indexOf(Buffer.from('a.example.com'));
    const tampered = Buffer.from(signed);
    tampered.write('b', at, 'ascii');
    expect(await errorOf(der.toPem('CERTIFICATE REQUEST', tampered))).toEqual(['request signature invalid']);
    // Untampered, the same request is signed.
    expect((await put('pki/sign/web', { csr: der.toPem('CERTIFICATE REQUEST', signed) })).status).toBe(200);
  });

  it('caps the TTL at the role’s max_ttl, refuses to outlive the CA, and leases with generate_lease', async () => {
    await setupCa();
    await pki.mock().write('pki/roles/web', { ...ROLE, generate_lease: true });
    const { csr } = opensslCsr({ subject: '/CN=a.example.com' });
    const capped = await put('pki/sign/web', { csr, ttl: '720h' });
    expect(capped.body.warnings).toEqual([
      'TTL "720h0m0s" is longer than permitted maxTTL "72h0m0s", so maxTTL is being used',
    ]);
    expect(capped.body.data.expiration).toBe(Math.floor((pki.mock().clock.now() + 72 * HOUR) / 1000));
    expect(capped.body.lease_id).toMatch(/^pki\/sign\/web\//);
    expect(capped.body.renewable).toBe(false);
    expect((await put('sys/leases/revoke', { lease_id: capped.body.lease_id })).status).toBe(204);
    const read = await call(pki.mock(), 'GET', `pki/cert/${capped.body.data.serial_number}`);
    expect(read.body.data.revocation_time).toBe(Math.floor(pki.mock().clock.now() / 1000));

    await pki.mock().write('pki/roles/long', { ...ROLE, max_ttl: '87600h' });
    const tooLong = await put('pki/sign/long', { csr, ttl: '9000h' });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors[0]).toMatch(
      /^cannot satisfy request, as TTL would result in notAfter of .+ that is beyond the expiration of the CA certificate at /,
    );
  });

  it('a CSR asking to be a CA gets a leaf, and a warning', async () => {
    const ca = await setupCa();
    await pki.mock().write('pki/roles/web', ROLE);
    const { csr } = opensslCsr({
      subject: '/CN=a.example.com',
      addext: ['basicConstraints=critical,CA:TRUE'],
    });
    const res = await put('pki/sign/web', { csr, ttl: '1h' });
    expect(res.status).toBe(200);
    const cert = new X509Certificate(res.body.data.certificate);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(res.body.warnings).toEqual([
      'specified CSR contained a Basic Constraints extension that was ignored during issuance',
    ]);
  });
});

describe('pki/sign-verbatim', () => {
  it('keeps the CSR’s subject and SANs as they are, whatever the names', async () => {
    const ca = await setupCa();
    const { csr } = opensslCsr({
      key: 'rsa-2048',
      subject: '/C=DE/O=Example GmbH/OU=Payments/CN=anything.internal',
      addext: ['subjectAltName=DNS:other.test,email:ops@example.org,URI:spiffe://example.org/payments'],
    });
    const res = await put('pki/sign-verbatim', { csr, ttl: '1h' });
    expect(res.status).toBe(200);
    const cert = new X509Certificate(res.body.data.certificate);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subject).toBe('C=DE\nO=Example GmbH\nOU=Payments\nCN=anything.internal');
    expect(cert.subjectAltName).toBe(
      'DNS:other.test, email:ops@example.org, URI:spiffe://example.org/payments',
    );
    expect(res.body.data.expiration).toBe(Math.floor((pki.mock().clock.now() + HOUR) / 1000));
  });

  it('with a role: the role’s TTLs and lease; an unknown role is refused', async () => {
    await setupCa();
    await pki.mock().write('pki/roles/short', { ...ROLE, ttl: '30m', max_ttl: '1h', generate_lease: true });
    const { csr } = opensslCsr({ subject: '/CN=x.other.test' });
    const res = await put('pki/sign-verbatim/short', { csr });
    expect(res.status).toBe(200);
    expect(res.body.data.expiration).toBe(Math.floor((pki.mock().clock.now() + 30 * 60_000) / 1000));
    expect(res.body.lease_duration).toBeGreaterThan(0);
    expect((await put('pki/sign-verbatim/nope', { csr })).body.errors).toEqual(['unknown role: nope']);
  });
});
