/**
 * PKCS#10 certificate requests (RFC 2986), signed by the key they carry: what Vault's
 * `intermediate/generate` returns, and what a test hands `pki/sign`.
 */
import { sign } from 'node:crypto';
import * as der from './der';
import { basicConstraints, type Extension, encodeExtension, subjectAltName } from './extensions';
import { type KeyPair, signatureAlgorithm } from './keys';
import { encodeName, type NameFields } from './names';

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

export interface CsrOptions {
  key: KeyPair;
  subject: NameFields;
  dnsNames?: readonly string[];
  emails?: readonly string[];
  ipAddresses?: readonly string[];
  uris?: readonly string[];
  /** Vault's `add_basic_constraints` on intermediate/generate: ask for `cA TRUE`. */
  basicConstraintsCa?: boolean;
  /** Extensions requested as given (after the SAN and basic constraints). */
  extensions?: readonly Extension[];
}

/** The request as PEM ('CERTIFICATE REQUEST'). */
export function createCsr(options: CsrOptions): string {
  const altNames = subjectAltName({
    dnsNames: [...(options.dnsNames ?? [])],
    emails: [...(options.emails ?? [])],
    ipAddresses: [...(options.ipAddresses ?? [])],
    uris: [...(options.uris ?? [])],
  });
  const requested = [
    ...(altNames ? [altNames] : []),
    ...(options.basicConstraintsCa ? [basicConstraints(true)] : []),
    ...(options.extensions ?? []),
  ];
  const attributes =
    requested.length === 0
      ? []
      : [der.sequence(der.oid(EXTENSION_REQUEST), der.set(der.sequence(...requested.map(encodeExtension))))];
  const info = der.sequence(
    der.integer(0),
    encodeName(options.subject),
    options.key.publicKey.export({ type: 'spki', format: 'der' }),
    // [0] IMPLICIT SET OF Attribute: the constructed context tag replaces SET's.
    der.tlv(0xa0, Buffer.concat(attributes)),
  );
  const algorithm = signatureAlgorithm(options.key);
  const signature = sign(algorithm.hash, info, options.key.privateKey);
  return der.toPem('CERTIFICATE REQUEST', der.sequence(info, algorithm.identifier, der.bitString(signature)));
}
