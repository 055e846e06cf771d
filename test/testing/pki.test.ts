import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { usePkiMock } from './support/pki';
import { call, expectShape } from './support/vault';

const pki = usePkiMock();

/** Over real HTTP, as any client reaches Vault. */
const api = (method: string, path: string, body?: unknown, token?: string) =>
  call(pki.mock(), method, path, body, token === undefined ? {} : { token });

const put = (path: string, body: unknown = {}) => api('POST', path, body);
const get = (path: string) => api('GET', path);

const nodeSerial = (vaultSerial: string) => vaultSerial.replaceAll(':', '').toUpperCase();
const HOUR = 3_600_000;

const { setupCa } = pki;

const ROLE = { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', max_ttl: '72h' };

describe('fixture (vault-fixtures.json pki_issue)', () => {
  it('pki_issue: generate_lease=true gives a non-renewable lease until NotAfter', async () => {
    const ca = await setupCa();
    await pki.mock().write('pki/roles/my-role', { ...ROLE, generate_lease: true, ttl: '6h' });
    const res = await put('pki/issue/my-role', { common_name: 'www.example.com' });
    expect(res.status).toBe(200);
    const pem = '-----BEGIN CERTIFICATE-----\nMIID\n-----END CERTIFICATE-----';
    expectShape(res.body, {
      lease_id: 'pki/issue/test/7ad6cfa5-f04f-c62a-d477-f33210475d05',
      renewable: false,
      lease_duration: 21600,
      data: {
        certificate: pem,
        issuing_ca: pem,
        ca_chain: [pem],
        private_key: pem,
        private_key_type: 'rsa',
        serial_number: '39:dd:2e:90',
      },
      auth: null,
    });
    expect(res.body.lease_id).toMatch(/^pki\/issue\/my-role\/[0-9A-Za-z]{24}$/);
    const cert = new X509Certificate(res.body.data.certificate);
    // Time to NotAfter, truncated: 21600 less the clock's milliseconds lost to the certificate's whole seconds.
    expect(res.body.lease_duration).toBe(
      Math.floor((Date.parse(cert.validTo) - pki.mock().clock.now()) / 1000),
    );
    expect(res.body.lease_duration).toBeGreaterThanOrEqual(21599);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(res.body.data.expiration).toBe(Math.floor(Date.parse(cert.validTo) / 1000));
    expect(res.body.data.private_key_type).toBe('ec');
    expect(res.body.data.private_key).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(res.body.data.issuing_ca).toBe(ca.toString().trim());
    expect(res.body.data.ca_chain).toEqual([res.body.data.issuing_ca]);

    const renew = await put('sys/leases/renew', { lease_id: res.body.lease_id });
    expect(renew).toMatchObject({ status: 400, body: { errors: ['lease is not renewable'] } });

    // Revoking the lease revokes the certificate.
    expect((await put('sys/leases/revoke', { lease_id: res.body.lease_id })).status).toBe(204);
    const read = await get(`pki/cert/${res.body.data.serial_number}`);
    expect(read.body.data.revocation_time).toBe(Math.floor(pki.mock().clock.now() / 1000));
    expect(read.body.data.revocation_time_rfc3339).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
  });

  it('pki_issue with the default generate_lease=false: no lease', async () => {
    await setupCa();
    await pki.mock().write('pki/roles/my-role', ROLE);
    const res = await put('pki/issue/my-role', { common_name: 'www.example.com' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0 });
    // No role ttl: the mount default (768h) applies, capped at the role max_ttl, as in Vault.
    expect(res.body.warnings).toEqual([
      'TTL "768h0m0s" is longer than permitted maxTTL "72h0m0s", so maxTTL is being used',
    ]);
    expect(pki.mock().leases({ path: 'pki/' })).toHaveLength(0);
  });
});

describe('issuance', () => {
  it('signs a certificate the CA verifies, with SANs and the mock clock as its dates', async () => {
    const ca = await setupCa();
    await pki.mock().write('pki/roles/web', ROLE);
    await pki.mock().clock.advance(24 * HOUR);
    const res = await put('pki/issue/web', {
      common_name: 'api.example.com',
      alt_names: 'www.example.com',
      ip_sans: '10.0.0.7',
      ttl: '2h',
    });
    expect(res.status).toBe(200);
    const cert = new X509Certificate(res.body.data.certificate);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.subject).toBe('CN=api.example.com');
    expect(cert.subjectAltName).toBe('DNS:api.example.com, DNS:www.example.com, IP Address:10.0.0.7');
    const now = pki.mock().clock.now();
    expect(Date.parse(cert.validTo)).toBe(Math.floor((now + 2 * HOUR) / 1000) * 1000);
    expect(Date.parse(cert.validFrom)).toBe(Math.floor((now - 30_000) / 1000) * 1000);
    expect(res.body.data.expiration * 1000).toBe(Date.parse(cert.validTo));
    expect(nodeSerial(res.body.data.serial_number)).toBe(cert.serialNumber);
  });

  it('caps the TTL at the role max_ttl with Vault’s warning', async () => {
    await setupCa();
    await pki.mock().write('pki/roles/web', ROLE);
    const res = await put('pki/issue/web', { common_name: 'a.example.com', ttl: '720h' });
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual([
      'TTL "720h0m0s" is longer than permitted maxTTL "72h0m0s", so maxTTL is being used',
    ]);
    expect(res.body.data.expiration).toBe(Math.floor((pki.mock().clock.now() + 72 * HOUR) / 1000));
  });

  it('refuses a leaf that would outlive the CA', async () => {
    await put('pki/root/generate/internal', { common_name: 'short.example', ttl: '1h', key_type: 'ec' });
    await pki.mock().write('pki/roles/web', { ...ROLE, allowed_domains: 'short.example' });
    const res = await put('pki/issue/web', { common_name: 'a.short.example', ttl: '2h' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatch(
      /^cannot satisfy request, as TTL would result in notAfter of \S+Z that is beyond the expiration of the CA certificate at \S+Z$/,
    );
  });

  it('refuses names outside the role', async () => {
    await setupCa();
    await pki.mock().write('pki/roles/web', ROLE);
    const cn = await put('pki/issue/web', { common_name: 'www.evil.com' });
    expect(cn).toMatchObject({
      status: 400,
      body: { errors: ['common name www.evil.com not allowed by this role'] },
    });
    const bare = await put('pki/issue/web', { common_name: 'example.com' });
    expect(bare.body.errors).toEqual(['common name example.com not allowed by this role']);
    const san = await put('pki/issue/web', { common_name: 'a.example.com', alt_names: 'b.evil.com' });
    expect(san.body.errors).toEqual(['subject alternate name b.evil.com not allowed by this role']);
    const noCn = await put('pki/issue/web', {});
    expect(noCn.body.errors[0]).toMatch(/^the common_name field is required/);
    await pki.mock().write('pki/roles/no-ip', { ...ROLE, allow_ip_sans: false });
    const ip = await put('pki/issue/no-ip', { common_name: 'a.example.com', ip_sans: '10.0.0.1' });
    expect(ip.body.errors).toEqual([
      'IP Subject Alternative Names are not allowed in this role, but was provided [10.0.0.1]',
    ]);
    const unknown = await put('pki/issue/nope', { common_name: 'a.example.com' });
    expect(unknown).toMatchObject({ status: 400, body: { errors: ['unknown role: nope'] } });
  });

  it('without a CA answers Vault’s 500', async () => {
    const role = await put('pki/roles/web', ROLE);
    expect(role.status).toBe(200);
    expect(role.body.warnings[0]).toMatch(
      /^Issuing Certificate was set to default, but no default issuing certificate/,
    );
    const res = await put('pki/issue/web', { common_name: 'a.example.com' });
    expect(res.status).toBe(500);
    expect(res.body.errors).toEqual([
      '1 error occurred:\n\t* could not fetch the CA certificate (was one set?): no default issuer currently configured\n\n',
    ]);
  });
});

describe('CA and certificate reads', () => {
  it('serves the CA as raw PEM and JSON, and issued certificates by serial', async () => {
    const ca = await setupCa();
    const raw = await get('pki/ca/pem');
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('application/pem-certificate-chain');
    expect(raw.text).toBe(ca.toString().trim());
    const json = await get('pki/cert/ca');
    expect(json.body.data).toEqual({
      certificate: raw.text,
      revocation_time: 0,
      revocation_time_rfc3339: '',
    });

    await pki.mock().write('pki/roles/web', ROLE);
    const issued = await put('pki/issue/web', { common_name: 'svc.example.com' });
    const serial: string = issued.body.data.serial_number;
    const byColon = await get(`pki/cert/${serial}`);
    expect(byColon.body.data.certificate).toBe(issued.body.data.certificate);
    const byDash = await get(`pki/cert/${serial.replaceAll(':', '-')}`);
    expect(byDash.status).toBe(200);
    const list = await api('LIST', 'pki/certs');
    expect(list.body.data.keys).toContain(serial.replaceAll(':', '-'));
    expect(list.body.data.keys).toHaveLength(2);
    expect((await get('pki/cert/00-11')).status).toBe(404);
  });

  it('ca/pem is empty (204) before a root exists, cert/ca a 400', async () => {
    expect((await get('pki/ca/pem')).status).toBe(204);
    const json = await get('pki/cert/ca');
    expect(json).toMatchObject({ status: 400, body: { errors: ['no default issuer currently configured'] } });
  });

  it('root/generate/exported returns the CA key; roles read back with Vault’s defaults', async () => {
    const root = await put('pki/root/generate/exported', {
      common_name: 'Root X',
      ttl: '24h',
      key_type: 'ec',
    });
    expect(root.body.data).toMatchObject({ private_key_type: 'ec', issuer_name: '', key_name: '' });
    expect(root.body.data.private_key).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(root.body.data.expiration).toBe(Math.floor((pki.mock().clock.now() + 24 * HOUR) / 1000));
    await pki.mock().write('pki/roles/web', { allowed_domains: ['example.com'], allow_subdomains: true });
    const role = await get('pki/roles/web');
    expect(role.body.data).toMatchObject({
      allowed_domains: ['example.com'],
      allow_subdomains: true,
      allow_localhost: true,
      enforce_hostnames: true,
      key_type: 'rsa',
      key_bits: 2048,
      generate_lease: false,
      server_flag: true,
      client_flag: true,
      ttl: 0,
      max_ttl: 0,
    });
    const bad = await put('pki/roles/bad', { ttl: '2h', max_ttl: '1h' });
    expect(bad.body.errors).toEqual(['"ttl" value must be less than "max_ttl" value']);
  });
});
