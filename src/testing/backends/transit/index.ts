import type { Backend } from '../../core/backend';
import type { Route } from '../../core/routes';
import type { BackendRequest, BackendResult, MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest, unsupportedOperation } from '../../core/vault-error';
import { bool, duration, int, str } from '../fields';
import { cryptoRoutes } from './crypto-paths';
import { KNOWN_TYPES, keyData, newKey, rotate, type SymmetricType, type TransitKey } from './keys';

const SYMMETRIC: readonly string[] = ['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305'];

/**
 * The transit secrets engine for symmetric keys: real AES-256-GCM (and AES-128-GCM,
 * ChaCha20-Poly1305) through node:crypto, in Vault's `vault:v<N>:` ciphertext format, with key
 * versions, rotation, minimum versions and batch requests. Signing and asymmetric keys are not
 * implemented: such requests answer `unsupported operation` so strict mode reports them.
 */
export function transitBackend(_core: VaultCore, _mount: MountInfo): Backend {
  const keys = new Map<string, TransitKey>();

  const createKey = (req: BackendRequest, name: string): BackendResult => {
    const derived = bool(req.data, 'derived', false);
    const convergent = bool(req.data, 'convergent_encryption', false);
    const type = str(req.data, 'type', 'aes256-gcm96');
    const autoRotatePeriod = duration(req.data, 'auto_rotate_period');
    if (autoRotatePeriod !== 0 && autoRotatePeriod < 3600) {
      throw badRequest('auto rotate period must be 0 to disable or at least an hour');
    }
    if (!derived && convergent) throw badRequest('convergent encryption requires derivation to be enabled');
    if (!KNOWN_TYPES.includes(type)) throw badRequest(`unknown key type ${type}`);
    const keySize = int(req.data, 'key_size', 0);
    if (keySize !== 0 && type !== 'hmac' && type !== 'external-key') {
      throw badRequest(`key_size is not valid for algorithm ${type}`);
    }
    // Convergent encryption and non-symmetric keys are beyond the mock.
    if (convergent || !SYMMETRIC.includes(type)) throw unsupportedOperation();
    const existing = keys.get(name);
    if (existing) return { data: keyData(existing), warnings: [`key ${name} already existed`] };
    const key = newKey(name, type as SymmetricType, derived, req.now);
    key.exportable = bool(req.data, 'exportable', false);
    key.allowPlaintextBackup = bool(req.data, 'allow_plaintext_backup', false);
    key.autoRotatePeriod = autoRotatePeriod;
    keys.set(name, key);
    return { data: keyData(key) };
  };

  const configure = (req: BackendRequest, name: string): BackendResult => {
    const key = keys.get(name);
    if (!key) throw badRequest(`no existing key named ${name} could be found`);
    const before = { ...key };
    const warnings: string[] = [];
    try {
      if (req.data.min_decryption_version !== undefined) {
        let min = int(req.data, 'min_decryption_version', 0);
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
      if (req.data.min_encryption_version !== undefined) {
        const min = int(req.data, 'min_encryption_version', 0);
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
      key.deletionAllowed = bool(req.data, 'deletion_allowed', key.deletionAllowed);
      // exportable and allow_plaintext_backup can be turned on, never off.
      key.exportable ||= bool(req.data, 'exportable', false);
      key.allowPlaintextBackup ||= bool(req.data, 'allow_plaintext_backup', false);
      if (req.data.auto_rotate_period !== undefined) {
        const period = duration(req.data, 'auto_rotate_period');
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

  const routes: Route[] = [
    { pattern: 'keys', handlers: { list: () => ({ data: { keys: [...keys.keys()].sort() } }) } },
    { pattern: 'keys/:name/config', handlers: { update: (req, p) => configure(req, p.name!) } },
    {
      pattern: 'keys/:name/rotate',
      handlers: {
        update: (req, p) => {
          const key = keys.get(p.name!);
          if (!key) throw badRequest('key not found');
          rotate(key, req.now);
          return { data: keyData(key) };
        },
      },
    },
    {
      pattern: 'keys/:name',
      handlers: {
        read: (_req, p) => {
          const key = keys.get(p.name!);
          return key ? { data: keyData(key) } : null;
        },
        update: (req, p) => createKey(req, p.name!),
        delete: (_req, p) => remove(p.name!),
      },
    },
    ...cryptoRoutes(keys),
  ];
  return { routes };
}
