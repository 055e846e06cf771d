/**
 * Minimal DER (X.690) encoder: just enough ASN.1 to build X.509 certificates for the mock Vault.
 * Every helper returns a complete TLV, so values compose by nesting calls.
 */

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function sequence(...items: Buffer[]): Buffer {
  return tlv(Tag.SEQUENCE, Buffer.concat(items));
}

/** SET OF: DER requires the encoded elements in ascending byte order (X.690 11.6). */
export function set(...items: Buffer[]): Buffer {
  return tlv(Tag.SET, Buffer.concat([...items].sort(Buffer.compare)));
}

/**
 * A bigint is encoded as two's complement; a Buffer is read as an unsigned magnitude (how serial
 * numbers and key material arrive), so a leading 0x00 is added when its top bit is set.
 */
export function integer(value: bigint | number | Buffer): Buffer {
  if (Buffer.isBuffer(value)) {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    const magnitude = value.length === 0 ? Buffer.from([0]) : value.subarray(start);
    const padded = (magnitude[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude;
    return tlv(Tag.INTEGER, padded);
  }
  const n = BigInt(value);
  let length = 1;
  // Smallest length whose signed range holds n.
  while (n < -(1n << BigInt(8 * length - 1)) || n >= 1n << BigInt(8 * length - 1)) length++;
  const unsigned = n < 0n ? (1n << BigInt(8 * length)) + n : n;
  return tlv(Tag.INTEGER, Buffer.from(unsigned.toString(16).padStart(length * 2, '0'), 'hex'));
}

function base128(value: bigint): number[] {
  const out = [Number(value & 0x7fn)];
  for (let v = value >> 7n; v > 0n; v >>= 7n) out.unshift(Number(v & 0x7fn) | 0x80);
  return out;
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((arc) => {
    if (!/^\d+$/.test(arc)) throw new Error(`invalid OID ${dotted}`);
    return BigInt(arc);
  });
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined || first > 2n || (first < 2n && second > 39n)) {
    throw new Error(`invalid OID ${dotted}`);
  }
  const bytes = [...base128(first * 40n + second), ...rest.flatMap(base128)];
  return tlv(Tag.OID, Buffer.from(bytes));
}

export function utf8String(value: string): Buffer {
  return tlv(Tag.UTF8_STRING, Buffer.from(value, 'utf8'));
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export function isPrintable(value: string): boolean {
  return PRINTABLE.test(value);
}

export function printableString(value: string): Buffer {
  if (!isPrintable(value)) throw new Error(`not a PrintableString: ${JSON.stringify(value)}`);
  return tlv(Tag.PRINTABLE_STRING, Buffer.from(value, 'ascii'));
}

export function ia5String(value: string): Buffer {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: IA5 is exactly the 7-bit range
  if (!/^[\x00-\x7f]*$/.test(value)) throw new Error(`not an IA5String: ${JSON.stringify(value)}`);
  return tlv(Tag.IA5_STRING, Buffer.from(value, 'ascii'));
}

/**
 * RFC 5280 4.1.2.5: UTCTime for 1950-2049, GeneralizedTime otherwise, always UTC ("Z") with
 * whole seconds. Milliseconds are dropped, so callers should truncate dates they report back.
 */
export function time(date: Date): Buffer {
  if (Number.isNaN(date.getTime())) throw new Error('invalid date');
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new Error(`year ${year} cannot be encoded`);
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  if (year >= 1950 && year < 2050) return tlv(Tag.UTC_TIME, Buffer.from(digits.slice(2), 'ascii'));
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(digits, 'ascii'));
}

export function bitString(bytes: Buffer, unusedBits = 0): Buffer {
  return tlv(Tag.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/** Named-bit BIT STRING (e.g. KeyUsage): DER drops trailing zero bits (X.690 11.2.2). */
export function namedBits(bits: number[]): Buffer {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  return bitString(bytes, 7 - (highest & 7));
}

export function octetString(bytes: Buffer): Buffer {
  return tlv(Tag.OCTET_STRING, bytes);
}

export function boolean(value: boolean): Buffer {
  return tlv(Tag.BOOLEAN, Buffer.from([value ? 0xff : 0x00]));
}

export function nullValue(): Buffer {
  return tlv(Tag.NULL, Buffer.alloc(0));
}

/** [n] EXPLICIT: wraps the whole inner TLV in a constructed context-specific tag. */
export function explicit(tagNumber: number, inner: Buffer): Buffer {
  if (tagNumber > 30) throw new Error('high tag numbers are not supported');
  return tlv(0xa0 | tagNumber, inner);
}

/** [n] IMPLICIT: replaces the inner TLV's tag, keeping its primitive/constructed bit. */
export function implicit(tagNumber: number, inner: Buffer): Buffer {
  if (tagNumber > 30) throw new Error('high tag numbers are not supported');
  const out = Buffer.from(inner);
  out[0] = 0x80 | ((inner[0] ?? 0) & 0x20) | tagNumber;
  return out;
}

export interface DerElement {
  tag: number;
  /** The value bytes, without tag and length. */
  content: Buffer;
  /** The whole TLV. */
  raw: Buffer;
}

/**
 * Reads the TLVs directly inside `buffer` (DER only: definite lengths, single-byte tags). It takes
 * apart what clients send (CSRs, certificates, keys), so every malformed input is a DerError.
 */
export function readElements(buffer: Buffer): DerElement[] {
  const out: DerElement[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const tag = buffer[offset];
    let length = buffer[offset + 1];
    let header = 2;
    if (tag === undefined || length === undefined) throw new DerError('truncated DER');
    if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count === 0 || count > 4) throw new DerError('unsupported DER length');
      if (offset + 2 + count > buffer.length) throw new DerError('truncated DER');
      length = buffer.subarray(offset + 2, offset + 2 + count).reduce((acc, byte) => acc * 256 + byte, 0);
      header += count;
    }
    const end = offset + header + length;
    if (end > buffer.length) throw new DerError('truncated DER');
    out.push({ tag, content: buffer.subarray(offset + header, end), raw: buffer.subarray(offset, end) });
    offset = end;
  }
  return out;
}

/** Malformed DER from outside: the callers turn it into the error their Vault path answers. */
export class DerError extends Error {
  override name = 'DerError';
}

/** Exactly one TLV filling `buffer`, with the tag asked for. */
export function readOne(buffer: Buffer, tag?: number): DerElement {
  const elements = readElements(buffer);
  const [only] = elements;
  if (!only || elements.length !== 1) throw new DerError('trailing data after the DER value');
  return expectTag(only, tag);
}

export function expectTag(element: DerElement | undefined, tag?: number): DerElement {
  if (!element) throw new DerError('missing DER value');
  if (tag !== undefined && element.tag !== tag) {
    throw new DerError(`expected tag 0x${tag.toString(16)}, got 0x${element.tag.toString(16)}`);
  }
  return element;
}

/** The children of a SEQUENCE, SET or constructed context tag. */
export function children(element: DerElement | undefined, tag?: number): DerElement[] {
  return readElements(expectTag(element, tag).content);
}

export function readOid(element: DerElement | undefined): string {
  const { content } = expectTag(element, Tag.OID);
  if (content.length === 0 || (content[content.length - 1] ?? 0) & 0x80) throw new DerError('malformed OID');
  const arcs: bigint[] = [];
  let value = 0n;
  for (const byte of content) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0n;
    }
  }
  const [head = 0n, ...rest] = arcs;
  const first = head < 80n ? head / 40n : 2n;
  return [first, head - first * 40n, ...rest].join('.');
}

/** An INTEGER's content as an unsigned magnitude (leading zero bytes dropped). */
export function readUnsigned(element: DerElement | undefined): Buffer {
  const { content } = expectTag(element, Tag.INTEGER);
  if (content.length === 0) throw new DerError('empty INTEGER');
  let start = 0;
  while (start < content.length - 1 && content[start] === 0) start++;
  return content.subarray(start);
}

export function readSmallInteger(element: DerElement | undefined): number {
  const { content } = expectTag(element, Tag.INTEGER);
  if (content.length === 0 || content.length > 6) throw new DerError('INTEGER out of range');
  const unsigned = content.reduce((acc, byte) => acc * 256 + byte, 0);
  return (content[0] ?? 0) & 0x80 ? unsigned - 256 ** content.length : unsigned;
}

export function readBoolean(element: DerElement | undefined): boolean {
  const { content } = expectTag(element, Tag.BOOLEAN);
  if (content.length !== 1) throw new DerError('malformed BOOLEAN');
  return content[0] !== 0;
}

/** A BIT STRING's bytes; only whole-byte strings (keys, signatures) are asked for. */
export function readBitString(element: DerElement | undefined): Buffer {
  const { content } = expectTag(element, Tag.BIT_STRING);
  if (content.length === 0 || content[0] !== 0) throw new DerError('malformed BIT STRING');
  return content.subarray(1);
}

const STRING_TAGS = new Set<number>([Tag.UTF8_STRING, Tag.PRINTABLE_STRING, Tag.IA5_STRING, 0x14, 0x1e]);

/** A directory string as text: UTF8, Printable, IA5, Teletex (read as Latin-1) or BMP. */
export function readString(element: DerElement | undefined): string {
  const { tag, content } = expectTag(element);
  if (!STRING_TAGS.has(tag)) throw new DerError(`tag 0x${tag.toString(16)} is not a string`);
  if (tag === 0x1e) return Buffer.from(content).swap16().toString('utf16le');
  return content.toString(tag === 0x14 ? 'latin1' : 'utf8');
}

/** UTCTime or GeneralizedTime, as RFC 5280 allows them (UTC, whole seconds). */
export function readTime(element: DerElement | undefined): Date {
  const { tag, content } = expectTag(element);
  const text = content.toString('ascii');
  const match =
    tag === Tag.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : tag === Tag.GENERALIZED_TIME
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (!match) throw new DerError('malformed time');
  const [, y = '', mo = '', d = '', h = '', mi = '', s = ''] = match;
  const year = tag === Tag.UTC_TIME ? (Number(y) < 50 ? 2000 : 1900) + Number(y) : Number(y);
  return new Date(Date.UTC(year, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

interface PemBlock {
  label: string;
  der: Buffer;
  /** Offset in the text just past the block's END line. */
  end: number;
}

/** The first PEM block of `text` (any label), as Go's pem.Decode finds it; undefined when malformed. */
export function firstPemBlock(text: string, from = 0): PemBlock | undefined {
  const start = text.indexOf('-----BEGIN ', from);
  if (start === -1) return undefined;
  const match = /^-----BEGIN ([^-\r\n]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text.slice(start));
  if (!match) return undefined;
  const body = (match[2] ?? '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undefined;
  return { label: match[1] ?? '', der: Buffer.from(body, 'base64'), end: start + match[0].length };
}

/**
 * Every PEM block in `text`, in order, and whatever non-blank text follows the last one (Go's
 * pem.Decode loop stops there, and Vault refuses such input).
 */
export function pemBlocks(text: string): { blocks: PemBlock[]; trailing: string } {
  const blocks: PemBlock[] = [];
  let offset = 0;
  for (;;) {
    const block = firstPemBlock(text, offset);
    if (!block) return { blocks, trailing: text.slice(offset).trim() };
    blocks.push(block);
    offset = block.end;
  }
}

export function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`].join('\n');
}
