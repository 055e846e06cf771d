import type { Backend } from '../../core/backend';
import { field } from '../../core/fields';
import { type DeclaredRoute, defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest, unsupportedOperation } from '../../core/vault-error';
import { cryptoRoutes } from './crypto-paths';
import { isSigningType, type KeyType, KNOWN_TYPES, keyData, newKey, rotate, type TransitKey } from './keys';
import { signingRoutes } from './signing';

/** path_keys.go's fields. */
const KEY_FIELDS = {
  name: field('string', 'Name of the key'),
  type: field('string', 'The type of key to create.', 'aes256-gcm96'),
  derived: field('bool', 'Enables key derivation mode.'),
  convergent_encryption: field('bool', 'Whether to support convergent encryption (requires derived).'),
  exportable: field('bool', 'Enables keys to be exportable.'),
  allow_plaintext_backup: field('bool', 'Enables taking a backup of the named key in plaintext format.'),
  context: field('string', 'Base64 encoded context for key derivation (deprecated).'),
  auto_rotate_period: field(
    'duration',
    'Amount of time the key should live before being automatically rotated.',
    0,
  ),
  key_size: field('int', 'The key size in bytes for the algorithm; only applies to HMAC keys.', 0),
  managed_key_name: field('string', 'The name of the managed key to use for the new key.'),
  managed_key_id: field('string', 'The UUID of the managed key to use for the new key.'),
} as const;

/** path_config_keys.go's fields. */
const CONFIG_FIELDS = {
  name: field('string', 'Name of the key'),
  min_decryption_version: field('int', 'If set, the minimum version of the key allowed to be decrypted.'),
  min_encryption_version: field(
    'int',
    'If set, the minimum version of the key allowed to be used for encryption.',
  ),
  deletion_allowed: field('bool', 'Whether to allow deletion of the key'),
  exportable: field('bool', 'Enables export of the key. Once set, this cannot be disabled.'),
  allow_plaintext_backup: field('bool', 'Enables taking a backup of the named key in plaintext format.'),
  auto_rotate_period: field(
    'duration',
    'Amount of time the key should live before being automatically rotated.',
  ),
} as const;

const NAME_FIELDS = { name: field('string', 'Name of the key') } as const;

const SYMMETRIC: readonly string[] = ['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305'];

/**
 * The transit secrets engine for symmetric keys: real AES-256-GCM (and AES-128-GCM,
 * ChaCha20-Poly1305) through node:crypto, in Vault's `vault:v<N>:` ciphertext format, with key
 * versions, rotation, minimum versions and batch requests; and sign/verify with ECDSA, Ed25519 and
 * RSA keys. HMAC, convergent and managed keys are not implemented: such requests answer
 * `unsupported operation` so strict mode reports them.
 */
export function transitBackend(): Backend {
  const keys = new Map<string, TransitKey>();

  const createKey = (
    req: BackendRequest,
    { fields }: RouteInput<typeof KEY_FIELDS>,
    name: string,
  ): BackendResult => {
    const derived = fields.derived;
    const convergent = fields.convergent_encryption;
    const type = fields.type;
    const autoRotatePeriod = fields.auto_rotate_period;
    if (autoRotatePeriod !== 0 && autoRotatePeriod < 3600) {
      throw badRequest('auto rotate period must be 0 to disable or at least an hour');
    }
    if (!derived && convergent) throw badRequest('convergent encryption requires derivation to be enabled');
    if (!KNOWN_TYPES.includes(type)) throw badRequest(`unknown key type ${type}`);
    const keySize = fields.key_size;
    if (keySize !== 0 && type !== 'hmac' && type !== 'external-key') {
      throw badRequest(`key_size is not valid for algorithm ${type}`);
    }
    // Convergent encryption, HMAC, managed and XChaCha20 keys are beyond the mock.
    if (convergent || !(SYMMETRIC.includes(type) || isSigningType(type))) throw unsupportedOperation();
    const existing = keys.get(name);
    if (existing) return { data: keyData(existing), warnings: [`key ${name} already existed`] };
    const key = newKey(name, type as KeyType, derived, req.now);
    key.exportable = fields.exportable;
    key.allowPlaintextBackup = fields.allow_plaintext_backup;
    key.autoRotatePeriod = autoRotatePeriod;
    keys.set(name, key);
    return { data: keyData(key) };
  };

  const configure = ({ fields, has }: RouteInput<typeof CONFIG_FIELDS>, name: string): BackendResult => {
    const key = keys.get(name);
    if (!key) throw badRequest(`no existing key named ${name} could be found`);
    const before = { ...key };
    const warnings: string[] = [];
    try {
      if (has('min_decryption_version')) {
        let min = fields.min_decryption_version;
        if (min < 0) throw badRequest('min decryption version cannot be negative');
        if (min === 0) {
          min = 1;
          warnings.push('since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1');
        }
        if (min > key.latestVersion) {
          throw badRequest(
            `cannot set min decryption version of ${min}, latest key version is ${key.latestVersion}`,
          );
        }
        key.minDecryptionVersion = min;
      }
      if (has('min_encryption_version')) {
        const min = fields.min_encryption_version;
        if (min < 0) throw badRequest('min encryption version cannot be negative');
        if (min > key.latestVersion) {
          throw badRequest(
            `cannot set min encryption version of ${min}, latest key version is ${key.latestVersion}`,
          );
        }
        key.minEncryptionVersion = min;
      }
      if (key.minEncryptionVersion > 0 && key.minEncryptionVersion < key.minDecryptionVersion) {
        throw badRequest(
          `cannot set min encryption/decryption values; min encryption version of ${key.minEncryptionVersion} must be greater than or equal to min decryption version of ${key.minDecryptionVersion}`,
        );
      }
      if (has('deletion_allowed')) key.deletionAllowed = fields.deletion_allowed;
      // exportable and allow_plaintext_backup can be turned on, never off.
      key.exportable ||= fields.exportable;
      key.allowPlaintextBackup ||= fields.allow_plaintext_backup;
      if (has('auto_rotate_period')) {
        const period = fields.auto_rotate_period;
        if (period !== 0 && period < 3600)
          throw badRequest('auto rotate period must be 0 to disable or at least an hour');
        key.autoRotatePeriod = period;
      }
    } catch (error) {
      Object.assign(key, before);
      throw error;
    }
    return { data: keyData(key), warnings };
  };

  const remove = (name: string) => {
    const key = keys.get(name);
    if (!key) throw badRequest(`error deleting policy ${name}: could not delete key; not found`);
    if (!key.deletionAllowed)
      throw badRequest(`error deleting policy ${name}: deletion is not allowed for this key`);
    keys.delete(name);
    return null;
  };

  const routes: DeclaredRoute[] = [
    defineRoute({ pattern: 'keys', handlers: { list: () => ({ data: { keys: [...keys.keys()].sort() } }) } }),
    defineRoute({
      pattern: 'keys/:name/config',
      fields: CONFIG_FIELDS,
      handlers: { update: (_req, input) => configure(input, input.params.name) },
    }),
    defineRoute({
      pattern: 'keys/:name/rotate',
      fields: NAME_FIELDS,
      handlers: {
        update: (req, { params }) => {
          const key = keys.get(params.name);
          if (!key) throw badRequest('key not found');
          rotate(key, req.now);
          return { data: keyData(key) };
        },
      },
    }),
    defineRoute({
      pattern: 'keys/:name',
      fields: KEY_FIELDS,
      handlers: {
        read: (_req, { params }) => {
          const key = keys.get(params.name);
          return key ? { data: keyData(key) } : null;
        },
        update: (req, input) => createKey(req, input, input.params.name),
        delete: (_req, { params }) => remove(params.name),
      },
    }),
    ...cryptoRoutes(keys),
    ...signingRoutes(keys),
  ];
  return { routes };
}
