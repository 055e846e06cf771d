/**
 * X.501 distinguished names: built in the order Go's pkix.Name.ToRDNSequence writes them (so the
 * mock's subjects read like Vault's), and read back from the DER of a CSR or certificate.
 */
import * as der from './der';

export interface NameFields {
  commonName?: string | undefined;
  serialNumber?: string | undefined;
  organization?: readonly string[] | undefined;
  organizationalUnit?: readonly string[] | undefined;
  country?: readonly string[] | undefined;
  locality?: readonly string[] | undefined;
  province?: readonly string[] | undefined;
  streetAddress?: readonly string[] | undefined;
  postalCode?: readonly string[] | undefined;
}

export interface ParsedName {
  /** The whole Name, as it must be copied to keep a chain's issuer/subject bytes equal. */
  raw: Buffer;
  /** The last CN, as Go's FillFromRDNSequence keeps it; '' when there is none. */
  commonName: string;
  serialNumber: string;
  attributes: { oid: string; value: string }[];
}

export const NAME_OID = {
  country: '2.5.4.6',
  province: '2.5.4.8',
  locality: '2.5.4.7',
  streetAddress: '2.5.4.9',
  postalCode: '2.5.4.17',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
} as const;

/** ToRDNSequence's order: C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER. */
const ORDER = [
  'country',
  'province',
  'locality',
  'streetAddress',
  'postalCode',
  'organization',
  'organizationalUnit',
] as const;

function attribute(oid: string, value: string): Buffer {
  // Go's encoder (and so Vault's certificates) uses PrintableString whenever the value allows it.
  const encoded = der.isPrintable(value) ? der.printableString(value) : der.utf8String(value);
  return der.set(der.sequence(der.oid(oid), encoded));
}

export function encodeName(fields: NameFields): Buffer {
  const rdns: Buffer[] = [];
  for (const key of ORDER) {
    for (const value of fields[key] ?? []) rdns.push(attribute(NAME_OID[key], value));
  }
  if (fields.commonName) rdns.push(attribute(NAME_OID.commonName, fields.commonName));
  if (fields.serialNumber) rdns.push(attribute(NAME_OID.serialNumber, fields.serialNumber));
  return der.sequence(...rdns);
}

/** Reads a Name (RDNSequence); throws DerError when it is not one. */
export function decodeName(element: der.DerElement | undefined): ParsedName {
  const name = der.expectTag(element, der.Tag.SEQUENCE);
  const attributes: { oid: string; value: string }[] = [];
  for (const rdn of der.children(name)) {
    for (const pair of der.children(rdn, der.Tag.SET)) {
      const [type, value] = der.children(pair, der.Tag.SEQUENCE);
      attributes.push({ oid: der.readOid(type), value: der.readString(value) });
    }
  }
  const last = (oid: string) => attributes.filter((a) => a.oid === oid).at(-1)?.value ?? '';
  return {
    raw: name.raw,
    commonName: last(NAME_OID.commonName),
    serialNumber: last(NAME_OID.serialNumber),
    attributes,
  };
}
