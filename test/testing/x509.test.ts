import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateAuthority, type KeyType } from '../../src/testing/x509/certificates';
import * as der from '../../src/testing/x509/der';

const hex = (buffer: Buffer) => buffer.toString('hex');
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const notBefore = new Date(Date.now() - 60_000);
const notAfter = new Date(Date.now() + 3_600_000);
const ca = CertificateAuthority.create({ commonName: 'Mock Vault Root CA', notBefore, notAfter });
const otherCa = CertificateAuthority.create({ commonName: 'Mock Vault Root CA', notBefore, notAfter });
const caCert = new X509Certificate(ca.certificate);

/** Node prints serials as uppercase hex without separators. */
const nodeSerial = (vaultSerial: string) => vaultSerial.replaceAll(':', '').toUpperCase();

/** The signatureAlgorithm OID of a certificate, read back from its DER. */
function signatureOid(cert: X509Certificate): string {
  const [certificate] = der.readElements(cert.raw);
  const algorithm = der.readElements(certificate!.content)[1]!;
  return hex(der.readElements(algorithm.content)[0]!.raw);
}

describe('der', () => {
  it('encodes integers as minimal two’s complement', () => {
    const cases: [bigint | Buffer, string][] = [
      [0n, '020100'],
      [127n, '02017f'],
      [128n, '02020080'],
      [256n, '02020100'],
      [-1n, '0201ff'],
      [-128n, '020180'],
      [-129n, '0202ff7f'],
      [Buffer.from('000080', 'hex'), '02020080'],
      [Buffer.from('ff01', 'hex'), '020300ff01'],
      [Buffer.alloc(0), '020100'],
    ];
    for (const [value, expected] of cases) expect(hex(der.integer(value))).toBe(expected);
  });

  it('encodes OIDs, strings, primitives and long lengths', () => {
    expect(hex(der.oid('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b');
    expect(hex(der.oid('2.999.3'))).toBe('0603883703');
    expect(() => der.oid('1.40')).toThrow();
    expect(hex(der.utf8String('é'))).toBe('0c02c3a9');
    expect(hex(der.printableString('Vault CA'))).toBe('13085661756c74204341');
    expect(() => der.printableString('*.svc')).toThrow();
    expect(() => der.ia5String('é')).toThrow();
    expect(hex(der.boolean(true))).toBe('0101ff');
    expect(hex(der.nullValue())).toBe('0500');
    expect(hex(der.octetString(Buffer.alloc(200))).slice(0, 6)).toBe('0481c8');
    expect(hex(der.octetString(Buffer.alloc(300))).slice(0, 8)).toBe('0482012c');
  });

  it('uses UTCTime for 1950-2049 and GeneralizedTime otherwise (RFC 5280 4.1.2.5)', () => {
    const encode = (iso: string) => der.time(new Date(iso)).toString('latin1');
    expect(encode('2049-12-31T23:59:59.999Z')).toBe('\x17\x0d491231235959Z');
    expect(encode('2050-01-01T00:00:00Z')).toBe('\x18\x0f20500101000000Z');
    expect(encode('1950-01-01T00:00:00Z')).toBe('\x17\x0d500101000000Z');
    expect(encode('1949-12-31T23:59:59Z')).toBe('\x18\x0f19491231235959Z');
  });

  it('drops trailing zero bits, sorts SET OF, and tags explicitly or implicitly', () => {
    expect(hex(der.namedBits([5, 6]))).toBe('03020106');
    expect(hex(der.namedBits([0]))).toBe('03020780');
    expect(hex(der.namedBits([0, 2]))).toBe('030205a0');
    expect(hex(der.namedBits([8]))).toBe('0303070080');
    expect(hex(der.set(der.integer(2n), der.integer(1n)))).toBe('3106020101020102');
    expect(hex(der.explicit(0, der.integer(2n)))).toBe('a003020102');
    expect(hex(der.implicit(2, der.ia5String('a')))).toBe('820161');
    expect(hex(der.implicit(1, der.sequence()))).toBe('a100');
  });
});

describe('CertificateAuthority', () => {
  it('creates a self-signed CA certificate', () => {
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toBe('CN=Mock Vault Root CA');
    expect(caCert.issuer).toBe(caCert.subject);
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    expect(caCert.verify(new X509Certificate(otherCa.certificate).publicKey)).toBe(false);
    expect(caCert.serialNumber).toBe(nodeSerial(ca.serialNumber));
    expect(ca.serialNumber).toMatch(/^([0-9a-f]{2}:){15,19}[0-9a-f]{2}$/);
    expect(ca.notBefore.getTime()).toBe(Math.floor(notBefore.getTime() / 1000) * 1000);
    expect(new Date(caCert.validFrom)).toEqual(ca.notBefore);
    expect(new Date(caCert.validTo)).toEqual(ca.notAfter);
    expect(ca.privateKey).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(caCert.checkPrivateKey(createPrivateKey(ca.privateKey))).toBe(true);
  });

  it('issues leaf certificates signed by the CA, with DNS and IP SANs', () => {
    const leaf = ca.issue({
      commonName: 'vault.internal',
      dnsNames: ['vault.internal', '*.vault.svc'],
      ipAddresses: ['127.0.0.1', '::1', '2001:db8::ffff:10.0.0.1'],
      notBefore,
      notAfter,
    });
    const cert = new X509Certificate(leaf.certificate);
    expect(cert.ca).toBe(false);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.verify(new X509Certificate(otherCa.certificate).publicKey)).toBe(false);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.issuer).toBe(caCert.subject);
    expect(cert.checkHost('vault.internal')).toBe('vault.internal');
    expect(cert.checkHost('api.vault.svc')).toBe('*.vault.svc'); // returns the SAN that matched
    expect(cert.checkHost('other.example')).toBeUndefined();
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkIP('2001:db8:0:0:0:ffff:a00:1')).toBe('2001:db8:0:0:0:ffff:a00:1');
    expect(cert.checkIP('10.0.0.1')).toBeUndefined();
    expect(cert.serialNumber).toBe(nodeSerial(leaf.serialNumber));
    expect(new Date(cert.validFrom)).toEqual(leaf.notBefore);
    expect(new Date(cert.validTo)).toEqual(leaf.notAfter);
    expect(cert.keyUsage).toEqual([SERVER_AUTH, CLIENT_AUTH]);
    expect(signatureOid(cert)).toBe(hex(der.oid('1.2.840.10045.4.3.2')));
    expect(leaf.privateKeyType).toBe('ec');
    expect(cert.checkPrivateKey(createPrivateKey(leaf.privateKey))).toBe(true);
    const spki = (key: ReturnType<typeof createPublicKey>) => key.export({ type: 'spki', format: 'der' });
    expect(spki(createPublicKey(leaf.privateKey))).toEqual(spki(cert.publicKey));
  });

  it.each([
    ['ec', 'native', 'EC PRIVATE KEY'],
    ['rsa', 'native', 'RSA PRIVATE KEY'],
    ['ed25519', 'native', 'PRIVATE KEY'],
    ['ec', 'pkcs8', 'PRIVATE KEY'],
    ['rsa', 'pkcs8', 'PRIVATE KEY'],
  ] as const)('returns %s keys in %s format like Vault (%s)', (keyType, privateKeyFormat, label) => {
    const leaf = ca.issue({ commonName: 'svc', notBefore, notAfter, keyType, privateKeyFormat });
    const cert = new X509Certificate(leaf.certificate);
    expect(leaf.privateKey.split('\n')[0]).toBe(`-----BEGIN ${label}-----`);
    expect(leaf.privateKeyType).toBe(keyType);
    expect(cert.publicKey.asymmetricKeyType).toBe(keyType);
    expect(cert.checkPrivateKey(createPrivateKey(leaf.privateKey))).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
  });

  it.each([
    ['rsa', '1.2.840.113549.1.1.11'],
    ['ed25519', '1.3.101.112'],
  ] as const)('signs with the algorithm of a %s CA key', (keyType, algorithm) => {
    const root = CertificateAuthority.create({ commonName: `${keyType} root`, notBefore, notAfter, keyType });
    const rootCert = new X509Certificate(root.certificate);
    const cert = new X509Certificate(root.issue({ commonName: 'svc', notBefore, notAfter }).certificate);
    expect(rootCert.verify(rootCert.publicKey)).toBe(true);
    expect(cert.verify(rootCert.publicKey)).toBe(true);
    expect(signatureOid(rootCert)).toBe(hex(der.oid(algorithm)));
    expect(signatureOid(cert)).toBe(hex(der.oid(algorithm)));
  });

  it('honours usage, explicit serial numbers, missing SANs and dates after 2049', () => {
    const issue = (usage: 'server' | 'client') => ca.issue({ commonName: 'svc', notBefore, notAfter, usage });
    expect(new X509Certificate(issue('server').certificate).keyUsage).toEqual([SERVER_AUTH]);
    expect(new X509Certificate(issue('client').certificate).keyUsage).toEqual([CLIENT_AUTH]);
    const far = new Date('2061-06-01T12:00:00Z');
    const leaf = ca.issue({
      commonName: 'svc',
      notBefore,
      notAfter: far,
      serialNumber: Buffer.from('00ff01', 'hex'),
    });
    const cert = new X509Certificate(leaf.certificate);
    expect(leaf.serialNumber).toBe('ff:01');
    expect(cert.serialNumber).toBe('FF01');
    expect(new Date(cert.validTo)).toEqual(far);
    expect(cert.subjectAltName).toBeUndefined();
    expect(cert.checkHost('svc')).toBe('svc');
  });

  it('rejects invalid requests', () => {
    const base = { commonName: 'svc', notBefore, notAfter };
    expect(() => ca.issue({ ...base, ipAddresses: ['300.1.1.1'] })).toThrow(/invalid IP/);
    expect(() => ca.issue({ ...base, ipAddresses: ['fe80::1%eth0'] })).toThrow(/invalid IP/);
    expect(() => ca.issue({ ...base, notAfter: new Date(0) })).toThrow(/notAfter/);
    expect(() => ca.issue({ ...base, keyBits: 224 })).toThrow(/ec key bits/);
    expect(() => ca.issue({ ...base, commonName: '' })).toThrow(/commonName/);
    expect(() => ca.issue({ ...base, serialNumber: Buffer.alloc(21, 1) })).toThrow(/20 octets/);
    expect(() => ca.issue({ ...base, serialNumber: Buffer.alloc(4) })).toThrow(/positive/);
  });

  const openssl = spawnSync('openssl', ['version']).status === 0;
  it.skipIf(!openssl)('is accepted by the openssl CLI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'x509-'));
    try {
      const root = CertificateAuthority.create({
        commonName: 'Root',
        notBefore,
        notAfter: new Date('2060-01-01'),
      });
      const leaf = root.issue({
        commonName: 'vault',
        dnsNames: ['vault'],
        ipAddresses: ['::1'],
        notBefore,
        notAfter,
      });
      writeFileSync(join(dir, 'ca.pem'), root.certificate);
      writeFileSync(join(dir, 'leaf.pem'), leaf.certificate);
      const text = (file: string) =>
        execFileSync('openssl', ['x509', '-noout', '-text', '-in', join(dir, file)]);
      expect(String(text('ca.pem'))).toMatch(/CA:TRUE[\s\S]*Certificate Sign, CRL Sign/);
      expect(String(text('ca.pem'))).toContain('Not After : Jan  1 00:00:00 2060 GMT');
      const leafText = String(text('leaf.pem'));
      for (const expected of [
        'CA:FALSE',
        'TLS Web Server Authentication',
        'DNS:vault, IP Address:0:0:0:0:0:0:0:1',
      ]) {
        expect(leafText).toContain(expected);
      }
      expect(leafText).toContain('Authority Key Identifier');
      const args = ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', join(dir, 'ca.pem')];
      expect(String(execFileSync('openssl', [...args, join(dir, 'leaf.pem')]))).toContain(': OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TLS with real handshakes', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serve(options: ServerOptions): Promise<string> {
    const server = createServer(options, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.end(JSON.stringify({ client: peer.subject?.CN ?? null }));
    });
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    cleanups.push(async () => server.closeAllConnections());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  async function get(url: string, connect: { ca: string; cert?: string; key?: string; servername?: string }) {
    const agent = new Agent({ connect });
    cleanups.push(() => agent.close());
    // undici 7's Agent type differs from the undici-types bundled with @types/node 20.
    const dispatcher: unknown = agent;
    const response = await fetch(url, { dispatcher } as RequestInit);
    return (await response.json()) as { client: string | null };
  }

  const serverCert = (keyType: KeyType = 'ec', dnsNames?: string[]) =>
    ca.issue({ commonName: 'vault', dnsNames, ipAddresses: ['127.0.0.1'], notBefore, notAfter, keyType });

  it.each(['ec', 'rsa', 'ed25519'] as const)(
    'fetch trusts a %s server certificate via Agent ca',
    async (keyType) => {
      const { certificate, privateKey } = serverCert(keyType);
      const url = await serve({ cert: certificate, key: privateKey });
      await expect(get(url, { ca: ca.certificate })).resolves.toEqual({ client: null });
    },
  );

  it('fails with UNABLE_TO_VERIFY_LEAF_SIGNATURE against another CA', async () => {
    const { certificate, privateKey } = serverCert();
    const url = await serve({ cert: certificate, key: privateKey });
    const error = await get(url, { ca: otherCa.certificate }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('checks DNS SANs through the servername', async () => {
    const { certificate, privateKey } = serverCert('ec', ['vault.internal']);
    const url = await serve({ cert: certificate, key: privateKey });
    await expect(get(url, { ca: ca.certificate, servername: 'vault.internal' })).resolves.toEqual({
      client: null,
    });
    const error = await get(url, { ca: ca.certificate, servername: 'evil.example' }).catch((e: unknown) => e);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('mTLS: accepts a client certificate from the same CA, rejects none or a foreign one', async () => {
    const { certificate, privateKey } = serverCert();
    const tls = { cert: certificate, key: privateKey, ca: ca.certificate };
    const url = await serve({ ...tls, requestCert: true, rejectUnauthorized: true });
    const client = ca.issue({ commonName: 'vault-client', notBefore, notAfter, usage: 'client' });
    const mutual = { ca: ca.certificate, cert: client.certificate, key: client.privateKey };
    await expect(get(url, mutual)).resolves.toEqual({ client: 'vault-client' });
    await expect(get(url, { ca: ca.certificate })).rejects.toThrow('fetch failed');
    const foreign = otherCa.issue({ commonName: 'intruder', notBefore, notAfter, usage: 'client' });
    const foreignOptions = { ca: ca.certificate, cert: foreign.certificate, key: foreign.privateKey };
    await expect(get(url, foreignOptions)).rejects.toThrow('fetch failed');
  });
});
