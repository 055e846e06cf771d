/**
 * Reading what clients hand the mock: PKCS#10 certificate requests (RFC 2986) and X.509
 * certificates (RFC 5280), down to the parts Vault's PKI engine acts on. node:crypto's
 * X509Certificate has no CSR support and hides raw subjects and extensions, hence this reader.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import * as der from './der';
import {
  type AltNames,
  type Extension,
  readAltNames,
  readBasicConstraints,
  readExtensions,
} from './extensions';
import { verifiesWith } from './keys';
import { decodeName, type ParsedName } from './names';

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

export interface ParsedCsr extends AltNames {
  subject: ParsedName;
  /** The SubjectPublicKeyInfo DER, what a certificate for this request carries. */
  spki: Buffer;
  /** Undefined when the key's algorithm is one Go's x509 does not know. */
  publicKey: KeyObject | undefined;
  extensions: Extension[];
  /** Go's CertificateRequest.CheckSignature: the request is signed by its own key. */
  signatureValid: boolean;
}

export interface ParsedCertificate {
  der: Buffer;
  serial: Buffer;
  issuer: ParsedName;
  subject: ParsedName;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  publicKey: KeyObject | undefined;
  extensions: Extension[];
  /** Basic constraints valid with cA set. */
  isCa: boolean;
  /** -1 when unconstrained. */
  maxPathLen: number;
  subjectKeyId: Buffer | undefined;
}

function publicKeyOf(spki: Buffer): KeyObject | undefined {
  try {
    return createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** Throws DerError for anything that is not a well-formed request. */
export function parseCsr(bytes: Buffer): ParsedCsr {
  const [info, algorithm, signature] = der.children(der.readOne(bytes), der.Tag.SEQUENCE);
  const [version, subject, spki, attributes] = der.children(info, der.Tag.SEQUENCE);
  if (der.readSmallInteger(version) !== 0) throw new der.DerError('unsupported CSR version');
  const spkiElement = der.expectTag(spki, der.Tag.SEQUENCE);
  let extensions: Extension[] = [];
  if (attributes) {
    for (const attribute of der.children(attributes, 0xa0)) {
      const [type, values] = der.children(attribute, der.Tag.SEQUENCE);
      if (der.readOid(type) !== EXTENSION_REQUEST) continue;
      extensions = readExtensions(der.children(values, der.Tag.SET)[0]);
    }
  }
  const publicKey = publicKeyOf(spkiElement.raw);
  const algorithmOid = der.readOid(der.children(algorithm, der.Tag.SEQUENCE)[0]);
  const signatureBytes = der.readBitString(signature);
  return {
    subject: decodeName(subject),
    spki: spkiElement.raw,
    publicKey,
    extensions,
    ...readAltNames(extensions),
    signatureValid:
      publicKey !== undefined &&
      verifiesWith(algorithmOid, der.expectTag(info).raw, signatureBytes, publicKey),
  };
}

/** Throws DerError for anything that is not a well-formed v1-v3 certificate. */
export function parseCertificate(bytes: Buffer): ParsedCertificate {
  const [tbs] = der.children(der.readOne(bytes), der.Tag.SEQUENCE);
  const fields = der.children(tbs, der.Tag.SEQUENCE);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [serial, , issuer, validity, subject, spki] = fields.slice(offset);
  const [notBefore, notAfter] = der.children(validity, der.Tag.SEQUENCE);
  const extensionsField = fields.find((f) => f.tag === 0xa3);
  const extensions = extensionsField ? readExtensions(der.children(extensionsField)[0]) : [];
  const constraints = readBasicConstraints(extensions);
  const ski = extensions.find((e) => e.oid === '2.5.29.14');
  const spkiElement = der.expectTag(spki, der.Tag.SEQUENCE);
  return {
    der: bytes,
    serial: der.readUnsigned(serial),
    issuer: decodeName(issuer),
    subject: decodeName(subject),
    notBefore: der.readTime(notBefore),
    notAfter: der.readTime(notAfter),
    spki: spkiElement.raw,
    publicKey: publicKeyOf(spkiElement.raw),
    extensions,
    isCa: constraints?.isCa ?? false,
    maxPathLen: constraints?.maxPathLen ?? -1,
    subjectKeyId: ski ? der.readOne(ski.value, der.Tag.OCTET_STRING).content : undefined,
  };
}
