import * as z from 'zod';
import { InvalidRequestError } from '../errors';
import type {
  Bytes,
  TransitBatchResult,
  TransitCiphertext,
  TransitDataKey,
  TransitDecryptItem,
  TransitEncryptItem,
  TransitRewrapItem,
} from '../types/engines';
import type { CallOptions } from '../types/requests';
import { callOptions, type EngineClient, mountPath, segment } from './engine-client';
import { expectShape, shapeError } from './response-shape';

const Sealed = z.object({ ciphertext: z.string(), key_version: z.number() });
const Opened = z.object({ plaintext: z.string() });
const DataKey = z.object({ ciphertext: z.string(), key_version: z.number(), plaintext: z.string() });
const Batch = z.object({ batch_results: z.array(z.record(z.string(), z.unknown())) });
const ItemError = z.object({ error: z.string().min(1) });

const base64 = (bytes: Bytes): string => Buffer.from(bytes).toString('base64');

/**
 * Typed calls for a transit mount (`vault.transit('transit')`): encryption as a service. Vault
 * keeps the keys; the app sends bytes and gets `vault:v1:...` ciphertexts back, and the reverse.
 * Plaintexts and contexts are given as text (UTF-8) or bytes and base64-encoded here; decrypted
 * plaintexts come back as Buffers. Every call is safe to repeat, so each is retried like a read.
 *
 * Batches send `partial_failure_response_code: 200`, so one bad item does not fail the others:
 * each result is `{ ok: true, ... }` or `{ ok: false, error }`, in the order given. When every
 * item fails, Vault answers 400 and the call throws VaultBadRequestError.
 */
export class TransitEngine {
  readonly mount: string;
  readonly #client: EngineClient;

  constructor(client: EngineClient, mount: string) {
    this.#client = client;
    this.mount = mountPath(mount, 'transit');
  }

  /**
   * Encrypts with the named key (Vault creates the key on first use if the policy allows `create`).
   * @example const { ciphertext } = await vault.transit().encrypt('orders', 'card 4111...');
   */
  async encrypt(
    key: string,
    plaintext: Bytes,
    options: CallOptions & { context?: Bytes | undefined; keyVersion?: number | undefined } = {},
  ): Promise<TransitCiphertext> {
    const path = this.#path('encrypt', key);
    const data = await this.#post(path, encryptItem({ plaintext, ...options }), options);
    return sealed(expectShape(Sealed, data, path));
  }

  /** Decrypts a `vault:v<n>:...` ciphertext; the plaintext as a Buffer (`.toString()` for text). */
  async decrypt(
    key: string,
    ciphertext: string,
    options: CallOptions & { context?: Bytes | undefined } = {},
  ): Promise<Buffer> {
    const path = this.#path('decrypt', key);
    const data = await this.#post(path, decryptItem({ ciphertext, ...options }), options);
    return Buffer.from(expectShape(Opened, data, path).plaintext, 'base64');
  }

  /** Re-encrypts a ciphertext with the latest (or the given) key version, never exposing the plaintext. */
  async rewrap(
    key: string,
    ciphertext: string,
    options: CallOptions & { context?: Bytes | undefined; keyVersion?: number | undefined } = {},
  ): Promise<TransitCiphertext> {
    const path = this.#path('rewrap', key);
    const data = await this.#post(path, rewrapItem({ ciphertext, ...options }), options);
    return sealed(expectShape(Sealed, data, path));
  }

  async encryptBatch(
    key: string,
    items: readonly TransitEncryptItem[],
    options: CallOptions = {},
  ): Promise<TransitBatchResult<TransitCiphertext>[]> {
    return this.#batch('encrypt', key, items.map(encryptItem), options, (item, path) =>
      sealed(expectShape(Sealed, item, path)),
    );
  }

  async decryptBatch(
    key: string,
    items: readonly TransitDecryptItem[],
    options: CallOptions = {},
  ): Promise<TransitBatchResult<{ plaintext: Buffer }>[]> {
    return this.#batch('decrypt', key, items.map(decryptItem), options, (item, path) => ({
      plaintext: Buffer.from(expectShape(Opened, item, path).plaintext, 'base64'),
    }));
  }

  async rewrapBatch(
    key: string,
    items: readonly TransitRewrapItem[],
    options: CallOptions = {},
  ): Promise<TransitBatchResult<TransitCiphertext>[]> {
    return this.#batch('rewrap', key, items.map(rewrapItem), options, (item, path) =>
      sealed(expectShape(Sealed, item, path)),
    );
  }

  /**
   * A new data key for envelope encryption: use `plaintext` to encrypt locally, then drop it;
   * store `ciphertext` and have Vault decrypt it when the data is read back.
   * @default bits 256
   */
  async dataKey(
    key: string,
    options: CallOptions & { bits?: 128 | 256 | 512 | undefined; context?: Bytes | undefined } = {},
  ): Promise<TransitDataKey> {
    const path = `${this.mount}/datakey/plaintext/${segment(key, 'transit key name')}`;
    const data = await this.#post(path, dataKeyBody(options), options);
    const parsed = expectShape(DataKey, data, path);
    return { ...sealed(parsed), plaintext: Buffer.from(parsed.plaintext, 'base64') };
  }

  /** Like `dataKey`, but Vault returns only the wrapped key (for a service that stores it for later). */
  async wrappedDataKey(
    key: string,
    options: CallOptions & { bits?: 128 | 256 | 512 | undefined; context?: Bytes | undefined } = {},
  ): Promise<TransitCiphertext> {
    const path = `${this.mount}/datakey/wrapped/${segment(key, 'transit key name')}`;
    const data = await this.#post(path, dataKeyBody(options), options);
    return sealed(expectShape(Sealed, data, path));
  }

  #path(operation: 'encrypt' | 'decrypt' | 'rewrap', key: string): string {
    return `${this.mount}/${operation}/${segment(key, 'transit key name')}`;
  }

  async #post(path: string, body: Record<string, unknown>, options: CallOptions): Promise<unknown> {
    const res = await this.#client.request({
      method: 'POST',
      path,
      body,
      idempotent: true,
      ...callOptions(options),
    });
    return res.data;
  }

  async #batch<T>(
    operation: 'encrypt' | 'decrypt' | 'rewrap',
    key: string,
    items: Record<string, unknown>[],
    options: CallOptions,
    parse: (item: unknown, path: string) => T,
  ): Promise<TransitBatchResult<T>[]> {
    if (items.length === 0) throw new InvalidRequestError(`transit ${operation}: the batch is empty`);
    const path = this.#path(operation, key);
    const data = await this.#post(path, { batch_input: items, partial_failure_response_code: 200 }, options);
    const results = expectShape(Batch, data, path).batch_results;
    if (results.length !== items.length)
      throw shapeError(path, [`batch_results: ${results.length} results for ${items.length} items`]);
    return results.map((item): TransitBatchResult<T> => {
      const failed = ItemError.safeParse(item);
      return failed.success ? { ok: false, error: failed.data.error } : { ok: true, ...parse(item, path) };
    });
  }
}

function sealed(data: { ciphertext: string; key_version: number }): TransitCiphertext {
  return { ciphertext: data.ciphertext, keyVersion: data.key_version };
}

function encryptItem(item: TransitEncryptItem): Record<string, unknown> {
  return {
    plaintext: base64(item.plaintext),
    ...(item.context !== undefined ? { context: base64(item.context) } : {}),
    ...(item.keyVersion !== undefined ? { key_version: item.keyVersion } : {}),
  };
}

function decryptItem(item: TransitDecryptItem): Record<string, unknown> {
  return {
    ciphertext: item.ciphertext,
    ...(item.context !== undefined ? { context: base64(item.context) } : {}),
  };
}

function rewrapItem(item: TransitRewrapItem): Record<string, unknown> {
  return {
    ...decryptItem(item),
    ...(item.keyVersion !== undefined ? { key_version: item.keyVersion } : {}),
  };
}

function dataKeyBody(options: {
  bits?: number | undefined;
  context?: Bytes | undefined;
}): Record<string, unknown> {
  return {
    ...(options.bits !== undefined ? { bits: options.bits } : {}),
    ...(options.context !== undefined ? { context: base64(options.context) } : {}),
  };
}
