/**
 * Key pairs for the mock's X.509 code: generation, what a public key is (type and size, as Go's
 * crypto/x509 tells them apart), the signature algorithm a private key signs with, and the
 * checking of a signature made with an algorithm named by OID (CSR self-signatures).
 */
import { generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import * as der from './der';

export type KeyType = 'ec' | 'rsa' | 'ed25519';
/**
 * Vault's `private_key_format`: by default each key comes in its own format ('EC PRIVATE KEY' SEC1,
 * 'RSA PRIVATE KEY' PKCS#1, and PKCS#8 for ed25519, which has no other); 'pkcs8' always uses PKCS#8.
 */
export type PrivateKeyFormat = 'native' | 'pkcs8';

export interface KeyPair {
  type: KeyType;
  /** RSA modulus or EC curve size; 0 for ed25519. */
  bits: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

// Hash sized to the curve, as Go's crypto/x509 (and therefore Vault) picks it.
const EC_CURVES: Record<number, { curve: string; hash: string; signatureOid: string }> = {
  256: { curve: 'P-256', hash: 'sha256', signatureOid: '1.2.840.10045.4.3.2' },
  384: { curve: 'P-384', hash: 'sha384', signatureOid: '1.2.840.10045.4.3.3' },
  521: { curve: 'P-521', hash: 'sha512', signatureOid: '1.2.840.10045.4.3.4' },
};
/** OpenSSL's names for the curves Go's x509 parses (P-224 included: Go reads it, the mock cannot sign with it). */
const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp224r1: 224,
};

const OID = {
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ed25519: '1.3.101.112',
} as const;

/** The CSR signature algorithms Go's CheckSignature verifies (SHA-1 included: CSRs may still use it). */
const VERIFY_ALGORITHMS: Record<string, { hash: string | null; key: KeyType }> = {
  '1.2.840.113549.1.1.5': { hash: 'sha1', key: 'rsa' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', key: 'rsa' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', key: 'rsa' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', key: 'rsa' },
  '1.2.840.10045.4.1': { hash: 'sha1', key: 'ec' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', key: 'ec' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', key: 'ec' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', key: 'ec' },
  [OID.ed25519]: { hash: null, key: 'ed25519' },
};

export function generateKey(type: KeyType = 'ec', bits?: number): KeyPair {
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

/** A public or private key's type and size; undefined for what Go's x509 would not recognise. */
export function describeKey(key: KeyObject): { type: KeyType; bits: number } | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return { type: 'rsa', bits: details.modulusLength ?? 0 };
  if (key.asymmetricKeyType === 'ec') {
    const bits = CURVE_BITS[details.namedCurve ?? ''];
    return bits === undefined ? undefined : { type: 'ec', bits };
  }
  if (key.asymmetricKeyType === 'ed25519') return { type: 'ed25519', bits: 0 };
  return undefined;
}

/** A key pair from a private key (an imported CA key, a key kept for an intermediate). */
export function keyPairOf(privateKey: KeyObject, publicKey: KeyObject): KeyPair {
  const described = describeKey(privateKey);
  if (!described || (described.type === 'ec' && !EC_CURVES[described.bits])) {
    throw new Error('unsupported private key type');
  }
  return { ...described, privateKey, publicKey };
}

/** The AlgorithmIdentifier and hash a key signs certificates, CRLs and CSRs with. */
export function signatureAlgorithm(key: Pick<KeyPair, 'type' | 'bits'>): {
  identifier: Buffer;
  hash: string | null;
} {
  if (key.type === 'ec') {
    const curve = EC_CURVES[key.bits];
    if (!curve) throw new Error(`cannot sign with a ${key.bits}-bit EC key`);
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

/**
 * Whether `signature` over `data` verifies with `publicKey` under the algorithm `algorithmOid`:
 * false for an algorithm Go would not check (RSASSA-PSS included) or a key of another type.
 */
export function verifiesWith(
  algorithmOid: string,
  data: Buffer,
  signature: Buffer,
  publicKey: KeyObject,
): boolean {
  const algorithm = VERIFY_ALGORITHMS[algorithmOid];
  if (!algorithm || describeKey(publicKey)?.type !== algorithm.key) return false;
  try {
    return verify(algorithm.hash, data, publicKey, signature);
  } catch {
    return false;
  }
}

export function exportPrivateKey(
  key: Pick<KeyPair, 'type' | 'privateKey'>,
  format: PrivateKeyFormat = 'native',
): string {
  const type = format === 'pkcs8' || key.type === 'ed25519' ? 'pkcs8' : key.type === 'ec' ? 'sec1' : 'pkcs1';
  return String(key.privateKey.export({ type, format: 'pem' })).trim();
}
