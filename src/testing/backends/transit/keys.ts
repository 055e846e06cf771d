import {
  createCipheriv,
  createDecipheriv,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { rfc3339 } from '../../core/go-format';
import { decodeStdBase64 } from './go-base64';

export type SymmetricType = 'aes128-gcm96' | 'aes256-gcm96' | 'chacha20-poly1305';
export const SIGNING_TYPES = [
  'ecdsa-p256',
  'ecdsa-p384',
  'ecdsa-p521',
  'ed25519',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
] as const;
export type SigningType = (typeof SIGNING_TYPES)[number];
export type KeyType = SymmetricType | SigningType;
export const isSigningType = (type: string): type is SigningType =>
  (SIGNING_TYPES as readonly string[]).includes(type);

/** Transit's key types; the mock implements the symmetric and the signing ones. */
export const KNOWN_TYPES = [
  'aes128-gcm96',
  'aes256-gcm96',
  'chacha20-poly1305',
  'xchacha20-poly1305',
  ...SIGNING_TYPES,
  'hmac',
  'external-key',
];

/** A key version: symmetric material, or a key pair for the signing types. */
export interface KeyVersion {
  key: Buffer;
  /** Unix seconds. */
  created: number;
  privateKey?: KeyObject;
  publicKey?: KeyObject;
}

export interface TransitKey {
  name: string;
  type: KeyType;
  derived: boolean;
  exportable: boolean;
  allowPlaintextBackup: boolean;
  deletionAllowed: boolean;
  autoRotatePeriod: number;
  minDecryptionVersion: number;
  minEncryptionVersion: number;
  latestVersion: number;
  /** Version → key material and creation time (unix seconds). */
  versions: Map<number, KeyVersion>;
}

/** An error Vault's keysutil raises as errutil.UserError: the message reaches the client verbatim. */
export class UserError extends Error {}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const keyBytes = (type: KeyType) => (type === 'aes128-gcm96' ? 16 : 32);
const cipherName = (type: KeyType) =>
  type === 'chacha20-poly1305'
    ? 'chacha20-poly1305'
    : type === 'aes128-gcm96'
      ? 'aes-128-gcm'
      : 'aes-256-gcm';

export function newKey(name: string, type: KeyType, derived: boolean, now: number): TransitKey {
  const key: TransitKey = {
    name,
    type,
    derived,
    exportable: false,
    allowPlaintextBackup: false,
    deletionAllowed: false,
    autoRotatePeriod: 0,
    minDecryptionVersion: 1,
    minEncryptionVersion: 0,
    latestVersion: 0,
    versions: new Map(),
  };
  rotate(key, now);
  return key;
}

export function rotate(key: TransitKey, now: number): void {
  key.latestVersion += 1;
  const created = Math.floor(now / 1000);
  if (isSigningType(key.type)) {
    key.versions.set(key.latestVersion, { key: Buffer.alloc(0), created, ...generatePair(key.type) });
    return;
  }
  key.versions.set(key.latestVersion, { key: randomBytes(keyBytes(key.type)), created });
}

function generatePair(type: SigningType): { privateKey: KeyObject; publicKey: KeyObject } {
  if (type === 'ed25519') return generateKeyPairSync('ed25519');
  if (type.startsWith('rsa-')) return generateKeyPairSync('rsa', { modulusLength: Number(type.slice(4)) });
  const curve = { 'ecdsa-p256': 'P-256', 'ecdsa-p384': 'P-384', 'ecdsa-p521': 'P-521' }[type as string];
  return generateKeyPairSync('ec', { namedCurve: curve ?? 'P-256' });
}

/** What formatKeyPolicy shows of a signing key's version: its public half. */
function publicKeyOf(type: KeyType, entry: KeyVersion): string {
  if (!entry.publicKey) return '';
  // Ed25519 public keys are shown as base64 of the raw 32 bytes; the others as PEM.
  if (type === 'ed25519')
    return entry.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
  return String(entry.publicKey.export({ format: 'pem', type: 'spki' }));
}

/** Policy.GetKey: the version's key, or for a derived key HKDF-SHA256 over the request context. */
function materialFor(key: TransitKey, version: number, context: Buffer | undefined): Buffer {
  const entry = key.versions.get(version);
  if (!entry) throw new UserError('invalid key version');
  if (!key.derived) return entry.key;
  if (!context || context.length === 0) {
    throw new UserError(
      "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key",
    );
  }
  return Buffer.from(hkdfSync('sha256', entry.key, Buffer.alloc(0), context, keyBytes(key.type)));
}

/** Policy.EncryptWithFactory: `vault:v<N>:` + base64(nonce || ciphertext || tag). */
export function encrypt(
  key: TransitKey,
  plaintextB64: string,
  requestedVersion: number,
  context: Buffer | undefined,
  aad: Buffer | undefined,
): { ciphertext: string; version: number } {
  let plaintext: Buffer;
  try {
    plaintext = decodeStdBase64(plaintextB64);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  let version = requestedVersion;
  if (version === 0) version = key.latestVersion;
  else if (version < 0) throw new UserError('requested version for encryption is negative');
  else if (version > key.latestVersion) {
    throw new UserError('requested version for encryption is higher than the latest key version');
  } else if (version < key.minEncryptionVersion) {
    throw new UserError('requested version for encryption is less than the minimum encryption key version');
  }
  const material = materialFor(key, version, context);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(cipherName(key.type) as 'aes-256-gcm', material, nonce, {
    authTagLength: TAG_BYTES,
  });
  if (aad) cipher.setAAD(aad);
  const body = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { ciphertext: `vault:v${version}:${body.toString('base64')}`, version };
}

/** Policy.DecryptWithFactory, with keysutil's error strings in its order of checks. */
export function decrypt(
  key: TransitKey,
  value: string,
  context: Buffer | undefined,
  aad: Buffer | undefined,
): string {
  const prefix = 'vault:v';
  if (!value.startsWith(prefix)) throw new UserError('invalid ciphertext: no prefix');
  const rest = value.slice(prefix.length);
  const colon = rest.indexOf(':');
  if (colon === -1) throw new UserError('invalid ciphertext: wrong number of fields');
  const versionText = rest.slice(0, colon);
  // strconv.Atoi: optional sign, decimal digits.
  if (!/^[+-]?\d+$/.test(versionText)) {
    throw new UserError('invalid ciphertext: version number could not be decoded');
  }
  let version = Number.parseInt(versionText, 10);
  // Keys once started at version 0; Vault still reads v0 as v1.
  if (version === 0) version = 1;
  if (version > key.latestVersion) throw new UserError('invalid ciphertext: version is too new');
  if (key.minDecryptionVersion > 0 && version < key.minDecryptionVersion) {
    throw new UserError('ciphertext or signature version is disallowed by policy (too old)');
  }
  let body: Buffer;
  try {
    body = decodeStdBase64(rest.slice(colon + 1));
  } catch {
    throw new UserError('invalid ciphertext: could not decode base64');
  }
  const material = materialFor(key, version, context);
  if (body.length < NONCE_BYTES) throw new UserError('invalid ciphertext length');
  const nonce = body.subarray(0, NONCE_BYTES);
  const sealed = body.subarray(NONCE_BYTES);
  try {
    if (sealed.length < TAG_BYTES) throw new Error('short');
    const decipher = createDecipheriv(cipherName(key.type) as 'aes-256-gcm', material, nonce, {
      authTagLength: TAG_BYTES,
    });
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return plain.toString('base64');
  } catch {
    // Go's AEAD Open errors, as Vault returns them.
    throw new UserError(
      key.type === 'chacha20-poly1305'
        ? 'chacha20poly1305: message authentication failed'
        : 'cipher: message authentication failed',
    );
  }
}

/** formatKeyPolicy (path_keys.go): version times for symmetric keys, public keys for the others. */
export function keyData(key: TransitKey): Record<string, unknown> {
  const signing = isSigningType(key.type);
  const keys: Record<string, unknown> = {};
  for (const [version, entry] of key.versions) {
    keys[String(version)] = signing
      ? {
          creation_time: rfc3339(entry.created * 1000),
          name: key.type.startsWith('ecdsa-') ? `P-${key.type.slice(7)}` : key.type,
          public_key: publicKeyOf(key.type, entry),
        }
      : entry.created;
  }
  const data: Record<string, unknown> = {
    name: key.name,
    type: key.type,
    derived: key.derived,
    deletion_allowed: key.deletionAllowed,
    min_available_version: 0,
    min_decryption_version: key.minDecryptionVersion,
    min_encryption_version: key.minEncryptionVersion,
    latest_version: key.latestVersion,
    exportable: key.exportable,
    allow_plaintext_backup: key.allowPlaintextBackup,
    supports_encryption: !signing || key.type.startsWith('rsa-'),
    supports_decryption: !signing || key.type.startsWith('rsa-'),
    supports_signing: signing,
    supports_derivation: !signing || key.type === 'ed25519',
    auto_rotate_period: key.autoRotatePeriod,
    imported_key: false,
    keys,
  };
  if (key.derived) {
    data.kdf = 'hkdf_sha256';
    data.convergent_encryption = false;
  }
  return data;
}
