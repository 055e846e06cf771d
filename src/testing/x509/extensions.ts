/**
 * X.509 v3 extensions (RFC 5280 4.2): the ones the mock writes into certificates, and the reading
 * of the ones it needs back from CSRs and imported certificates (SANs, basic constraints, key ids).
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import * as der from './der';

export const EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  cRLNumber: '2.5.29.20',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;

export const EKU = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' } as const;

export const KeyUsageBit = {
  digitalSignature: 0,
  contentCommitment: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

export interface Extension {
  oid: string;
  critical: boolean;
  /** The extnValue OCTET STRING's content. */
  value: Buffer;
}

export interface AltNames {
  dnsNames: string[];
  emails: string[];
  ipAddresses: string[];
  uris: string[];
}

export function encodeExtension({ oid, critical, value }: Extension): Buffer {
  // DER omits DEFAULT values, so a non-critical extension carries no BOOLEAN at all.
  return der.sequence(der.oid(oid), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

/** CA: `cA TRUE` and the path length when there is one (-1: none); otherwise the empty SEQUENCE. */
export function basicConstraints(isCa: boolean, maxPathLen = -1): Extension {
  const value = isCa
    ? der.sequence(der.boolean(true), ...(maxPathLen >= 0 ? [der.integer(maxPathLen)] : []))
    : der.sequence();
  return { oid: EXT.basicConstraints, critical: true, value };
}

export function keyUsage(bits: number[]): Extension {
  return { oid: EXT.keyUsage, critical: true, value: der.namedBits(bits) };
}

export function extKeyUsage(oids: string[]): Extension {
  return { oid: EXT.extKeyUsage, critical: false, value: der.sequence(...oids.map((o) => der.oid(o))) };
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(spki: Buffer): Buffer {
  const [, publicKeyBits] = der.children(der.readOne(spki), der.Tag.SEQUENCE);
  return createHash('sha1').update(der.readBitString(publicKeyBits)).digest();
}

export function subjectKeyIdentifier(keyId: Buffer): Extension {
  return { oid: EXT.subjectKeyIdentifier, critical: false, value: der.octetString(keyId) };
}

export function authorityKeyIdentifier(keyId: Buffer): Extension {
  return {
    oid: EXT.authorityKeyIdentifier,
    critical: false,
    value: der.sequence(der.implicit(0, der.octetString(keyId))),
  };
}

/** Undefined when there is nothing to list: RFC 5280 forbids an empty SubjectAltName. */
export function subjectAltName(names: Partial<AltNames>): Extension | undefined {
  const entries = [
    ...(names.emails ?? []).map((email) => der.implicit(1, der.ia5String(email))),
    ...(names.dnsNames ?? []).map((dns) => der.implicit(2, der.ia5String(dns))),
    ...(names.uris ?? []).map((uri) => der.implicit(6, der.ia5String(uri))),
    ...(names.ipAddresses ?? []).map((ip) => der.implicit(7, der.octetString(ipAddressBytes(ip)))),
  ];
  if (entries.length === 0) return undefined;
  return { oid: EXT.subjectAltName, critical: false, value: der.sequence(...entries) };
}

/** The Extensions SEQUENCE inside a certificate's [3] or a CSR's extensionRequest attribute. */
export function readExtensions(element: der.DerElement | undefined): Extension[] {
  return der.children(element, der.Tag.SEQUENCE).map((ext) => {
    const parts = der.children(ext, der.Tag.SEQUENCE);
    const critical = parts.length === 3 ? der.readBoolean(parts[1]) : false;
    const value = der.expectTag(parts.at(-1), der.Tag.OCTET_STRING).content;
    if (parts.length < 2 || parts.length > 3) throw new der.DerError('malformed extension');
    return { oid: der.readOid(parts[0]), critical, value };
  });
}

export function readAltNames(extensions: readonly Extension[]): AltNames {
  const names: AltNames = { dnsNames: [], emails: [], ipAddresses: [], uris: [] };
  const san = extensions.find((e) => e.oid === EXT.subjectAltName);
  if (!san) return names;
  for (const entry of der.children(der.readOne(san.value), der.Tag.SEQUENCE)) {
    const text = () => entry.content.toString('ascii');
    if (entry.tag === 0x81) names.emails.push(text());
    else if (entry.tag === 0x82) names.dnsNames.push(text());
    else if (entry.tag === 0x86) names.uris.push(text());
    else if (entry.tag === 0x87) names.ipAddresses.push(ipAddressText(entry.content));
  }
  return names;
}

/** Basic constraints as Go reads them: maxPathLen -1 when absent. */
export function readBasicConstraints(
  extensions: readonly Extension[],
): { isCa: boolean; maxPathLen: number } | undefined {
  const ext = extensions.find((e) => e.oid === EXT.basicConstraints);
  if (!ext) return undefined;
  const parts = der.children(der.readOne(ext.value), der.Tag.SEQUENCE);
  let index = 0;
  let isCa = false;
  if (parts[index]?.tag === der.Tag.BOOLEAN) isCa = der.readBoolean(parts[index++]);
  const maxPathLen = parts[index] ? der.readSmallInteger(parts[index]) : -1;
  return { isCa, maxPathLen };
}

export function ipAddressBytes(address: string): Buffer {
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

/** net.IP.String(): dotted IPv4 (also for v4-mapped IPv6), else RFC 5952 with the longest zero run as '::'. */
function ipAddressText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) return `?${bytes.toString('hex')}`;
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return [...bytes.subarray(12)].join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start === -1) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}
