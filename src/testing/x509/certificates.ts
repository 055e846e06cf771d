/**
 * Real X.509 certificates for the mock Vault (HTTPS listener and PKI engine), built on node:crypto
 * with no dependency. Everything is synchronous. EC P-256 and Ed25519 are cheap (a CA plus one EC leaf
 * takes about 1 ms), but RSA key generation blocks the event loop: about 0.2 s per 2048-bit key (up to
 * 0.6 s) and 1.7 s for 4096 bits. So prefer EC in tests, and create RSA CAs once per file.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import * as der from './der';

export type KeyType = 'ec' | 'rsa' | 'ed25519';
export type CertificateUsage = 'server' | 'client' | 'server-and-client';
/**
 * Vault's `private_key_format`: by default each key comes in its own format ('EC PRIVATE KEY' SEC1,
 * 'RSA PRIVATE KEY' PKCS#1, and PKCS#8 for ed25519, which has no other); 'pkcs8' always uses PKCS#8.
 */
export type PrivateKeyFormat = 'native' | 'pkcs8';

export interface CertificateRequest {
  commonName: string;
  /** Only these go into the SAN; Vault's habit of adding the CN is left to the caller. */
  dnsNames?: string[] | undefined;
  ipAddresses?: string[];
  notBefore: Date;
  notAfter: Date;
  /** Default 'ec'. */
  keyType?: KeyType | undefined;
  /** ec: 256 (default), 384 or 521; rsa: default 2048; ignored for ed25519. */
  keyBits?: number | undefined;
  /** Default 'server-and-client', like a Vault role with server_flag and client_flag both set. */
  usage?: CertificateUsage;
  /** Unsigned big-endian magnitude; a random positive 20-byte serial when omitted. */
  serialNumber?: Buffer;
  privateKeyFormat?: PrivateKeyFormat;
}

export interface IssuedCertificate {
  /** PEM, trimmed like Vault's output. */
  certificate: string;
  privateKey: string;
  privateKeyType: KeyType;
  /** Vault's format: colon-separated lowercase hex, e.g. '39:dd:2e:...'. */
  serialNumber: string;
  /** Truncated to whole seconds, as encoded in the certificate. */
  notBefore: Date;
  notAfter: Date;
}

const OID = {
  commonName: '2.5.4.3',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ed25519: '1.3.101.112',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  cRLNumber: '2.5.29.20',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

// Hash sized to the curve, as Go's crypto/x509 (and therefore Vault) picks it.
const EC_CURVES: Record<number, { curve: string; hash: string; signatureOid: string }> = {
  256: { curve: 'P-256', hash: 'sha256', signatureOid: '1.2.840.10045.4.3.2' },
  384: { curve: 'P-384', hash: 'sha384', signatureOid: '1.2.840.10045.4.3.3' },
  521: { curve: 'P-521', hash: 'sha512', signatureOid: '1.2.840.10045.4.3.4' },
};

const KeyUsageBit = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

interface KeyPair {
  type: KeyType;
  bits: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function generateKey(type: KeyType = 'ec', bits?: number): KeyPair {
  if (type === 'ec') {
    const size = bits ?? 256;
    const curve = EC_CURVES[size];
    if (!curve) throw new Error(`unsupported ec key bits ${size} (use 256, 384 or 521)`);
    return { type, bits: size, ...generateKeyPairSync('ec', { namedCurve: curve.curve }) };
  }
  if (type === 'rsa') {
    const size = bits ?? 2048;
    if (!Number.isInteger(size) || size < 1024) throw new Error(`unsupported rsa key bits ${size}`);
    return { type, bits: size, ...generateKeyPairSync('rsa', { modulusLength: size }) };
  }
  if (type === 'ed25519') return { type, bits: 0, ...generateKeyPairSync('ed25519') };
  throw new Error(`unsupported key type ${String(type)}`);
}

function signatureAlgorithm(key: KeyPair): { identifier: Buffer; hash: string | null } {
  if (key.type === 'ec') {
    const curve = EC_CURVES[key.bits];
    if (!curve) throw new Error(`unsupported EC key size ${key.bits}`);
    return { identifier: der.sequence(der.oid(curve.signatureOid)), hash: curve.hash };
  }
  if (key.type === 'rsa') {
    // RFC 4055 requires the explicit NULL parameter for RSA PKCS#1 v1.5 signatures.
    return {
      identifier: der.sequence(der.oid(OID.sha256WithRSAEncryption), der.nullValue()),
      hash: 'sha256',
    };
  }
  return { identifier: der.sequence(der.oid(OID.ed25519)), hash: null };
}

function exportPrivateKey(key: KeyPair, format: PrivateKeyFormat = 'native'): string {
  const type = format === 'pkcs8' || key.type === 'ed25519' ? 'pkcs8' : key.type === 'ec' ? 'sec1' : 'pkcs1';
  return String(key.privateKey.export({ type, format: 'pem' })).trim();
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
function keyIdentifier(spki: Buffer): Buffer {
  const [info] = der.readElements(spki);
  const publicKeyBits = info ? der.readElements(info.content)[1] : undefined;
  if (!publicKeyBits) throw new Error('malformed SubjectPublicKeyInfo');
  return createHash('sha1').update(publicKeyBits.content.subarray(1)).digest();
}

function distinguishedName(commonName: string): Buffer {
  if (commonName.length === 0) throw new Error('commonName must not be empty');
  // Go's encoder (and so Vault's certificates) uses PrintableString whenever the value allows it.
  const value = der.isPrintable(commonName) ? der.printableString(commonName) : der.utf8String(commonName);
  return der.sequence(der.set(der.sequence(der.oid(OID.commonName), value)));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  // DER omits DEFAULT values, so a non-critical extension carries no BOOLEAN at all.
  return der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

function ipAddressBytes(address: string): Buffer {
  const family = isIP(address);
  if (family === 4) return Buffer.from(address.split('.').map(Number));
  // A zone index (fe80::1%eth0) passes isIP but has no place in a certificate.
  if (family !== 6 || address.includes('%')) throw new Error(`invalid IP address ${address}`);
  // Rewrite a dotted IPv4 tail (::ffff:1.2.3.4) as two hex groups, then expand '::'.
  const hex = (high: string, low: string) => ((Number(high) << 8) | Number(low)).toString(16);
  const text = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => `${hex(a, b)}:${hex(c, d)}`);
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return Buffer.from(groups.map((group) => group.padStart(4, '0')).join(''), 'hex');
}

function randomSerial(): Buffer {
  const serial = randomBytes(20);
  // Positive without a sign byte, and no leading zero, so the DER content stays at 20 octets.
  serial[0] = (serial[0] ?? 0) & 0x7f || 0x01;
  return serial;
}

function formatSerial(serial: Buffer): string {
  const hex = serial.toString('hex').replace(/^(00)+(?=..)/, '');
  return hex.match(/../g)!.join(':');
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

interface Issuer {
  key: KeyPair;
  name: Buffer;
  keyId: Buffer;
}

interface CertificateFields {
  serial: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  extensions: Buffer[];
}

function buildCertificate(issuer: Issuer, fields: CertificateFields): string {
  if (fields.notAfter.getTime() < fields.notBefore.getTime()) throw new Error('notAfter is before notBefore');
  if (fields.serial.every((byte) => byte === 0)) throw new Error('serialNumber must be positive');
  const serial = der.integer(fields.serial);
  if (serial.length - 2 > 20) throw new Error('serialNumber is longer than 20 octets (RFC 5280 4.1.2.2)');
  const algorithm = signatureAlgorithm(issuer.key);
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)), // v3, needed for extensions
    serial,
    algorithm.identifier,
    issuer.name,
    der.sequence(der.time(fields.notBefore), der.time(fields.notAfter)),
    fields.subject,
    fields.spki,
    der.explicit(3, der.sequence(...fields.extensions)),
  );
  const signature = sign(algorithm.hash, tbs, issuer.key.privateKey);
  return der.toPem('CERTIFICATE', der.sequence(tbs, algorithm.identifier, der.bitString(signature)));
}

export class CertificateAuthority {
  /** PEM, in Vault's default (native) format, as `pki/root/generate/exported` returns it. */
  readonly privateKey: string;
  readonly keyType: KeyType;

  private constructor(
    private readonly issuer: Issuer,
    readonly commonName: string,
    readonly certificate: string,
    readonly serialNumber: string,
    readonly notBefore: Date,
    readonly notAfter: Date,
  ) {
    this.privateKey = exportPrivateKey(issuer.key);
    this.keyType = issuer.key.type;
  }

  /** A self-signed root. Key defaults to EC P-256; `keyBits` as in CertificateRequest. */
  static create(options: {
    commonName: string;
    notBefore: Date;
    notAfter: Date;
    keyType?: KeyType | undefined;
    keyBits?: number | undefined;
  }): CertificateAuthority {
    const key = generateKey(options.keyType, options.keyBits);
    const spki = key.publicKey.export({ type: 'spki', format: 'der' });
    const subject = distinguishedName(options.commonName);
    const issuer: Issuer = { key, name: subject, keyId: keyIdentifier(spki) };
    const serial = randomSerial();
    const notBefore = wholeSeconds(options.notBefore);
    const notAfter = wholeSeconds(options.notAfter);
    const extensions = [
      extension(OID.basicConstraints, true, der.sequence(der.boolean(true))),
      extension(OID.keyUsage, true, der.namedBits([KeyUsageBit.keyCertSign, KeyUsageBit.cRLSign])),
      extension(OID.subjectKeyIdentifier, false, der.octetString(issuer.keyId)),
    ];
    const certificate = buildCertificate(issuer, { serial, subject, notBefore, notAfter, spki, extensions });
    const serialNumber = formatSerial(serial);
    return new CertificateAuthority(
      issuer,
      options.commonName,
      certificate,
      serialNumber,
      notBefore,
      notAfter,
    );
  }

  /**
   * A signed X.509 v2 CRL (RFC 5280 5.1) listing the revoked serials (Vault's colon form), with
   * the authority key identifier and the CRL number Vault's CRLs carry.
   */
  crl(options: {
    revoked: readonly { serialNumber: string; revokedAt: Date }[];
    thisUpdate: Date;
    nextUpdate: Date;
    number: number;
  }): string {
    const algorithm = signatureAlgorithm(this.issuer.key);
    const entries = options.revoked.map((entry) =>
      der.sequence(
        der.integer(Buffer.from(entry.serialNumber.replaceAll(/[:-]/g, ''), 'hex')),
        der.time(wholeSeconds(entry.revokedAt)),
      ),
    );
    const extensions = der.explicit(
      0,
      der.sequence(
        extension(
          OID.authorityKeyIdentifier,
          false,
          der.sequence(der.implicit(0, der.octetString(this.issuer.keyId))),
        ),
        extension(OID.cRLNumber, false, der.integer(options.number)),
      ),
    );
    const tbs = der.sequence(
      der.integer(1), // v2
      algorithm.identifier,
      this.issuer.name,
      der.time(wholeSeconds(options.thisUpdate)),
      der.time(wholeSeconds(options.nextUpdate)),
      ...(entries.length > 0 ? [der.sequence(...entries)] : []),
      extensions,
    );
    const signature = sign(algorithm.hash, tbs, this.issuer.key.privateKey);
    return der.toPem('X509 CRL', der.sequence(tbs, algorithm.identifier, der.bitString(signature)));
  }

  /** Does not clamp to the CA's own validity; that policy (Vault's leaf_not_after_behavior) is the caller's. */
  issue(request: CertificateRequest): IssuedCertificate {
    const key = generateKey(request.keyType, request.keyBits);
    const spki = key.publicKey.export({ type: 'spki', format: 'der' });
    const serial = request.serialNumber ?? randomSerial();
    const notBefore = wholeSeconds(request.notBefore);
    const notAfter = wholeSeconds(request.notAfter);
    const usage = request.usage ?? 'server-and-client';
    const purposes = [
      ...(usage === 'client' ? [] : [der.oid(OID.serverAuth)]),
      ...(usage === 'server' ? [] : [der.oid(OID.clientAuth)]),
    ];
    const { digitalSignature, keyEncipherment } = KeyUsageBit;
    const keyUsage = key.type === 'rsa' ? [digitalSignature, keyEncipherment] : [digitalSignature];
    const altNames = [
      ...(request.dnsNames ?? []).map((dns) => der.implicit(2, der.ia5String(dns))),
      ...(request.ipAddresses ?? []).map((ip) => der.implicit(7, der.octetString(ipAddressBytes(ip)))),
    ];
    const authorityKeyId = der.sequence(der.implicit(0, der.octetString(this.issuer.keyId)));
    const extensions = [
      extension(OID.basicConstraints, true, der.sequence()),
      extension(OID.keyUsage, true, der.namedBits(keyUsage)),
      extension(OID.extKeyUsage, false, der.sequence(...purposes)),
      extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifier(spki))),
      extension(OID.authorityKeyIdentifier, false, authorityKeyId),
      // RFC 5280 forbids an empty SubjectAltName, so leave it out when there is nothing to list.
      ...(altNames.length > 0 ? [extension(OID.subjectAltName, false, der.sequence(...altNames))] : []),
    ];
    const subject = distinguishedName(request.commonName);
    const certificate = buildCertificate(this.issuer, {
      serial,
      subject,
      notBefore,
      notAfter,
      spki,
      extensions,
    });
    return {
      certificate,
      privateKey: exportPrivateKey(key, request.privateKeyFormat),
      privateKeyType: key.type,
      serialNumber: formatSerial(serial),
      notBefore,
      notAfter,
    };
  }
}
