/**
 * Real X.509 certificates for the mock Vault (HTTPS listener and PKI engine), built on node:crypto
 * with no dependency. Everything is synchronous. EC P-256 and Ed25519 are cheap (a CA plus one EC leaf
 * takes about 1 ms), but RSA key generation blocks the event loop: about 0.2 s per 2048-bit key (up to
 * 0.6 s) and 1.7 s for 4096 bits. So prefer EC in tests, and create RSA CAs once per file.
 */
import { createPublicKey, type KeyObject, randomBytes, sign } from 'node:crypto';
import * as der from './der';
import {
  authorityKeyIdentifier,
  basicConstraints,
  EKU,
  type Extension,
  encodeExtension,
  extKeyUsage,
  KeyUsageBit,
  keyIdentifier,
  keyUsage,
  subjectAltName,
  subjectKeyIdentifier,
} from './extensions';
import {
  describeKey,
  exportPrivateKey,
  generateKey,
  type KeyPair,
  type KeyType,
  keyPairOf,
  type PrivateKeyFormat,
  signatureAlgorithm,
} from './keys';
import { encodeName, type NameFields } from './names';
import { parseCertificate } from './parse';

export type { KeyType, PrivateKeyFormat };
export type CertificateUsage = 'server' | 'client' | 'server-and-client';

export interface CertificateRequest {
  commonName: string;
  /** Only these go into the SAN; Vault's habit of adding the CN is left to the caller. */
  dnsNames?: string[] | undefined;
  ipAddresses?: string[] | undefined;
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

/** A certificate for a public key the caller holds the private half of (a CSR's key). */
export interface SignRequest {
  /** The SubjectPublicKeyInfo DER. */
  spki: Buffer;
  /** A Name to build, or the DER of one to copy verbatim (sign-verbatim keeps the CSR's subject). */
  subject: NameFields | Buffer;
  dnsNames?: readonly string[];
  emails?: readonly string[];
  ipAddresses?: readonly string[];
  uris?: readonly string[];
  notBefore: Date;
  notAfter: Date;
  /** A leaf's extended key usages (default both; 'none' leaves the extension out); ignored for a CA. */
  usage?: CertificateUsage | 'none';
  /** A CA certificate (an intermediate) with this path length (-1: unconstrained). */
  ca?: { maxPathLen: number };
  serialNumber?: Buffer;
  /** Added as given, replacing a generated extension with the same OID (Go's ExtraExtensions). */
  extraExtensions?: readonly Extension[];
}

export interface SignedCertificate {
  /** PEM, trimmed like Vault's output. */
  certificate: string;
  /** Vault's format: colon-separated lowercase hex, e.g. '39:dd:2e:...'. */
  serialNumber: string;
  /** Truncated to whole seconds, as encoded in the certificate. */
  notBefore: Date;
  notAfter: Date;
}

export interface IssuedCertificate extends SignedCertificate {
  privateKey: string;
  privateKeyType: KeyType;
}

function randomSerial(): Buffer {
  const serial = randomBytes(20);
  // Positive without a sign byte, and no leading zero, so the DER content stays at 20 octets.
  serial[0] = (serial[0] ?? 0) & 0x7f || 0x01;
  return serial;
}

export function formatSerial(serial: Buffer): string {
  const hex = serial.toString('hex').replace(/^(00)+(?=..)/, '');
  return (hex.match(/../g) ?? []).join(':');
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function spkiOf(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

interface Signer {
  key: KeyPair;
  /** The issuer Name's DER: a child's issuer field must equal it byte for byte. */
  name: Buffer;
  keyId: Buffer;
}

interface CertificateFields {
  serial: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  extensions: readonly Extension[];
}

function buildCertificate(signer: Signer, fields: CertificateFields): string {
  if (fields.notAfter.getTime() < fields.notBefore.getTime()) throw new Error('notAfter is before notBefore');
  if (fields.serial.every((byte) => byte === 0)) throw new Error('serialNumber must be positive');
  const serial = der.integer(fields.serial);
  if (serial.length - 2 > 20) throw new Error('serialNumber is longer than 20 octets (RFC 5280 4.1.2.2)');
  const algorithm = signatureAlgorithm(signer.key);
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)), // v3, needed for extensions
    serial,
    algorithm.identifier,
    signer.name,
    der.sequence(der.time(fields.notBefore), der.time(fields.notAfter)),
    fields.subject,
    fields.spki,
    der.explicit(3, der.sequence(...fields.extensions.map(encodeExtension))),
  );
  const signature = sign(algorithm.hash, tbs, signer.key.privateKey);
  return der.toPem('CERTIFICATE', der.sequence(tbs, algorithm.identifier, der.bitString(signature)));
}

/** RSA leaves may encipher keys as well (Vault's default key_usage); EC and Ed25519 keys only sign. */
function leafKeyUsage(spki: Buffer): number[] {
  const { digitalSignature, keyEncipherment } = KeyUsageBit;
  const type = describeKey(createPublicKey({ key: spki, format: 'der', type: 'spki' }))?.type;
  return type === 'rsa' ? [digitalSignature, keyEncipherment] : [digitalSignature];
}

/** Go's ExtraExtensions: a given extension replaces the generated one with its OID. */
function mergeExtensions(generated: Extension[], extra: readonly Extension[] = []): Extension[] {
  const replaced = new Set(extra.map((e) => e.oid));
  return [...generated.filter((e) => !replaced.has(e.oid)), ...extra];
}

export class CertificateAuthority {
  /** PEM, in Vault's default (native) format, as `pki/root/generate/exported` returns it. */
  readonly privateKey: string;
  readonly keyType: KeyType;
  readonly keyBits: number;
  readonly #signer: Signer;

  private constructor(
    signer: Signer,
    readonly certificate: string,
    readonly serialNumber: string,
    readonly notBefore: Date,
    readonly notAfter: Date,
    /** -1 when unconstrained. */
    readonly maxPathLen: number,
    /** Basic constraints with cA set: false for an imported certificate that is no CA. */
    readonly isCa: boolean,
  ) {
    this.#signer = signer;
    this.privateKey = exportPrivateKey(signer.key);
    this.keyType = signer.key.type;
    this.keyBits = signer.key.bits;
  }

  /** A self-signed root. Key defaults to EC P-256; `keyBits` as in CertificateRequest. */
  static create(options: {
    commonName: string;
    notBefore: Date;
    notAfter: Date;
    keyType?: KeyType;
    keyBits?: number | undefined;
    /** -1 (default): unconstrained. */
    maxPathLen?: number;
    /** A key made earlier (Vault's `existing` key); generated when omitted. */
    key?: KeyPair;
  }): CertificateAuthority {
    if (options.commonName.length === 0) throw new Error('commonName must not be empty');
    const key = options.key ?? generateKey(options.keyType, options.keyBits);
    const spki = spkiOf(key.publicKey);
    const subject = encodeName({ commonName: options.commonName });
    const signer: Signer = { key, name: subject, keyId: keyIdentifier(spki) };
    const serial = randomSerial();
    const notBefore = wholeSeconds(options.notBefore);
    const notAfter = wholeSeconds(options.notAfter);
    const maxPathLen = options.maxPathLen ?? -1;
    const extensions = [
      basicConstraints(true, maxPathLen),
      keyUsage([KeyUsageBit.keyCertSign, KeyUsageBit.cRLSign]),
      subjectKeyIdentifier(signer.keyId),
    ];
    const certificate = buildCertificate(signer, { serial, subject, notBefore, notAfter, spki, extensions });
    return new CertificateAuthority(
      signer,
      certificate,
      formatSerial(serial),
      notBefore,
      notAfter,
      maxPathLen,
      true,
    );
  }

  /**
   * A CA from a certificate and its private key (an imported bundle, an intermediate whose signed
   * certificate came back). Throws when the key is not the certificate's; `isCa` tells the rest.
   */
  static fromCertificate(certificatePem: string, privateKey: KeyObject): CertificateAuthority {
    const block = der.firstPemBlock(certificatePem);
    if (!block) throw new Error('no PEM certificate');
    const parsed = parseCertificate(block.der);
    const publicKey = createPublicKey(privateKey);
    if (!parsed.publicKey?.equals(publicKey))
      throw new Error('the private key does not match the certificate');
    const signer: Signer = {
      key: keyPairOf(privateKey, publicKey),
      name: parsed.subject.raw,
      keyId: parsed.subjectKeyId ?? keyIdentifier(parsed.spki),
    };
    return new CertificateAuthority(
      signer,
      der.toPem('CERTIFICATE', block.der),
      formatSerial(parsed.serial),
      parsed.notBefore,
      parsed.notAfter,
      parsed.maxPathLen,
      parsed.isCa,
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
    const signer = this.#signer;
    const algorithm = signatureAlgorithm(signer.key);
    const entries = options.revoked.map((entry) =>
      der.sequence(
        der.integer(Buffer.from(entry.serialNumber.replaceAll(/[:-]/g, ''), 'hex')),
        der.time(wholeSeconds(entry.revokedAt)),
      ),
    );
    const crlNumber: Extension = { oid: '2.5.29.20', critical: false, value: der.integer(options.number) };
    const extensions = der.explicit(
      0,
      der.sequence(encodeExtension(authorityKeyIdentifier(signer.keyId)), encodeExtension(crlNumber)),
    );
    const tbs = der.sequence(
      der.integer(1), // v2
      algorithm.identifier,
      signer.name,
      der.time(wholeSeconds(options.thisUpdate)),
      der.time(wholeSeconds(options.nextUpdate)),
      ...(entries.length > 0 ? [der.sequence(...entries)] : []),
      extensions,
    );
    const signature = sign(algorithm.hash, tbs, signer.key.privateKey);
    return der.toPem('X509 CRL', der.sequence(tbs, algorithm.identifier, der.bitString(signature)));
  }

  /** A new key pair and its certificate. Does not clamp to the CA's validity (the caller's policy). */
  issue(request: CertificateRequest): IssuedCertificate {
    if (request.commonName.length === 0) throw new Error('commonName must not be empty');
    const key = generateKey(request.keyType, request.keyBits);
    const signed = this.sign({
      spki: spkiOf(key.publicKey),
      subject: { commonName: request.commonName },
      dnsNames: request.dnsNames ?? [],
      ipAddresses: request.ipAddresses ?? [],
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      usage: request.usage ?? 'server-and-client',
      ...(request.serialNumber ? { serialNumber: request.serialNumber } : {}),
    });
    return {
      ...signed,
      privateKey: exportPrivateKey(key, request.privateKeyFormat),
      privateKeyType: key.type,
    };
  }

  /** A certificate for someone else's public key: a leaf, or with `ca` an intermediate CA. */
  sign(request: SignRequest): SignedCertificate {
    const serial = request.serialNumber ?? randomSerial();
    const notBefore = wholeSeconds(request.notBefore);
    const notAfter = wholeSeconds(request.notAfter);
    const subject = Buffer.isBuffer(request.subject) ? request.subject : encodeName(request.subject);
    const usage = request.usage ?? 'server-and-client';
    const purposes = [
      ...(usage === 'client' ? [] : [EKU.serverAuth]),
      ...(usage === 'server' ? [] : [EKU.clientAuth]),
    ];

    const { keyCertSign, cRLSign } = KeyUsageBit;
    const altNames = subjectAltName({
      dnsNames: [...(request.dnsNames ?? [])],
      emails: [...(request.emails ?? [])],
      ipAddresses: [...(request.ipAddresses ?? [])],
      uris: [...(request.uris ?? [])],
    });
    const generated: Extension[] = request.ca
      ? [basicConstraints(true, request.ca.maxPathLen), keyUsage([keyCertSign, cRLSign])]
      : [
          basicConstraints(false),
          keyUsage(leafKeyUsage(request.spki)),
          ...(usage === 'none' ? [] : [extKeyUsage(purposes)]),
        ];
    generated.push(
      subjectKeyIdentifier(keyIdentifier(request.spki)),
      authorityKeyIdentifier(this.#signer.keyId),
      ...(altNames ? [altNames] : []),
    );
    const certificate = buildCertificate(this.#signer, {
      serial,
      subject,
      notBefore,
      notAfter,
      spki: request.spki,
      extensions: mergeExtensions(generated, request.extraExtensions),
    });
    return { certificate, serialNumber: formatSerial(serial), notBefore, notAfter };
  }
}
