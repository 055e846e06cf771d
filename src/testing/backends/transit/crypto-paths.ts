import { randomBytes } from 'node:crypto';
import { decodeFields, FieldConversionError, field } from '../../core/fields';
import { type DeclaredRoute, defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest, unsupportedOperation, VaultError } from '../../core/vault-error';
import { decodeStdBase64 } from './go-base64';
import {
  decrypt,
  encrypt,
  isSigningType,
  newKey,
  type SymmetricType,
  type TransitKey,
  UserError,
} from './keys';

/** One request item's fields, for the single form and for each batch_input entry. */
const ITEM_FIELDS = {
  plaintext: field('string', 'Base64 encoded plaintext value to be encrypted'),
  ciphertext: field('string', 'The ciphertext to decrypt or rewrap'),
  context: field(
    'string',
    'Base64 encoded context for key derivation. Required if key derivation is enabled',
  ),
  nonce: field('string', 'Base64 encoded nonce value (convergent encryption, version 1 keys)'),
  key_version: field(
    'int',
    'The version of the key to use for encryption. Must be 0 (latest) or a valid version.',
  ),
  associated_data: field('string', 'Base64 encoded associated data (AEAD) for encryption and decryption'),
  reference: field('string', 'A value echoed back in the batch result of this item'),
} as const;

const BATCH_FIELDS = {
  name: field('string', 'Name of the key'),
  batch_input: field('slice', 'A list of items to be processed in a single batch.'),
  partial_failure_response_code: field('int', 'The HTTP response code to use when some batch items fail.'),
} as const;

/** encrypt's own fields: the key type for an upsert. */
const ENCRYPT_FIELDS = {
  ...ITEM_FIELDS,
  ...BATCH_FIELDS,
  type: field('string', 'The type of key to create when upserting', 'aes256-gcm96'),
  convergent_encryption: field('bool', 'Whether to support convergent encryption on an upserted key'),
} as const;

const DECRYPT_FIELDS = { ...ITEM_FIELDS, ...BATCH_FIELDS } as const;

/** path_datakey.go: the capture `plaintext` is the kind of data key, plaintext or wrapped. */
const DATAKEY_FIELDS = {
  name: field('string', 'The backend key used for encrypting the data key'),
  plaintext: field(
    'string',
    '"plaintext" will return the key in both plaintext and ciphertext; "wrapped" only the ciphertext',
  ),
  context: field('string', 'Context for key derivation. Required for derived keys.'),
  nonce: field('string', 'Nonce for when convergent encryption v1 is used'),
  bits: field('int', 'Number of bits for the key; currently 128, 256, and 512 bits are supported.', 256),
  key_version: field('int', 'The version of the Vault key to use for encryption of the data key.'),
  associated_data: field('string', 'Base64 encoded associated data (AEAD)'),
} as const;

interface Item {
  plaintext: string;
  ciphertext: string;
  context: string;
  keyVersion: number;
  associatedData: string;
  reference: string;
  decodedContext?: Buffer;
}

type Outcome = Record<string, unknown> & { error?: string; internal?: boolean };

function itemsOf(req: BackendRequest, single: () => void): { items: Item[]; batch: boolean } {
  const raw = req.data.batch_input;
  if (raw === undefined || raw === null) {
    single();
    return { items: [toItem(req.data)], batch: false };
  }
  if (
    !Array.isArray(raw) ||
    raw.some((entry) => entry !== null && (typeof entry !== 'object' || Array.isArray(entry)))
  )
    throw VaultError.wrapped(500, 'failed to parse batch input: expected a list of objects');
  if (raw.length === 0) throw badRequest('missing batch input to process');
  return { items: raw.map((entry) => toItem((entry ?? {}) as Record<string, unknown>)), batch: true };
}

/** An item decoded with the framework's conversions (a batch entry is decoded the same way). */
function toItem(data: Record<string, unknown>): Item {
  let fields: ReturnType<typeof decodeFields<typeof ITEM_FIELDS>>['values'];
  try {
    fields = decodeFields(ITEM_FIELDS, data).values;
  } catch (error) {
    if (error instanceof FieldConversionError) throw badRequest(error.message);
    throw error;
  }
  return {
    plaintext: fields.plaintext,
    ciphertext: fields.ciphertext,
    context: fields.context,
    keyVersion: fields.key_version,
    associatedData: fields.associated_data,
    reference: fields.reference,
  };
}

/** The per-item checks every batch path runs before it looks the key up. */
function precheck(items: Item[], outcomes: Outcome[], needCiphertext: boolean): void {
  const contextSet = items[0]!.context !== '';
  items.forEach((item, i) => {
    if ((item.context === '') === contextSet) {
      throw badRequest('context should be set either in all the request blocks or in none');
    }
    if (needCiphertext && item.ciphertext === '') {
      outcomes[i]!.error = 'missing ciphertext to decrypt';
      return;
    }
    try {
      if (!needCiphertext) decodeStdBase64(item.plaintext);
      if (item.context !== '') item.decodedContext = decodeStdBase64(item.context);
    } catch (error) {
      outcomes[i]!.error = (error as Error).message;
    }
  });
}

function aadOf(item: Item, index: number): Buffer | undefined {
  if (item.associatedData === '') return undefined;
  try {
    return decodeStdBase64(item.associatedData);
  } catch (error) {
    const message = `unable to get associated_data/additional_data from factory[${index}]: ${(error as Error).message}`;
    throw Object.assign(new Error(message), { internal: true });
  }
}

/** Runs one item, recording a keysutil error on it as Vault does in batch mode. */
function attempt(outcome: Outcome, run: () => Record<string, unknown>): void {
  if (outcome.error !== undefined) return;
  try {
    Object.assign(outcome, run());
  } catch (error) {
    if (!(error instanceof UserError) && !(error as { internal?: boolean }).internal) throw error;
    outcome.error = (error as Error).message;
    if (!(error instanceof UserError)) outcome.internal = true;
  }
}

/** Single requests fail outright; batches answer 200, or 400/500 (or the requested code) with the results. */
function respond(
  { fields, has }: RouteInput<typeof BATCH_FIELDS>,
  batch: boolean,
  outcomes: Outcome[],
  statusOnError: boolean,
): BackendResult {
  const failed = outcomes.filter((o) => o.error !== undefined);
  if (!batch) {
    const only = outcomes[0]!;
    if (only.error !== undefined) {
      throw only.internal ? VaultError.wrapped(500, only.error) : badRequest(only.error);
    }
    const { reference: _reference, ...data } = only;
    return { data };
  }
  const results = outcomes.map(({ internal: _internal, ...rest }) => rest);
  if (failed.length === 0 || !statusOnError) return { data: { batch_results: results } };
  let status = failed.some((o) => !o.internal) ? 400 : 500;
  const warnings: string[] = [];
  if (has('partial_failure_response_code') && failed.length < outcomes.length) {
    const code = fields.partial_failure_response_code;
    if (code < 1 || code > 599) {
      warnings.push(
        `invalid HTTP response code override from partial_failure_response_code, reverting to ${status}`,
      );
    } else status = code;
  }
  return { data: { batch_results: results }, warnings, status };
}

/** `encrypt/:name`, `decrypt/:name`, `rewrap/:name`, `datakey/:type/:name` (path_encrypt.go and siblings). */
export function cryptoRoutes(keys: Map<string, TransitKey>): DeclaredRoute[] {
  const mustKey = (name: string) => {
    const key = keys.get(name);
    if (!key) throw badRequest('encryption key not found');
    // The RSA types can encrypt in Vault (OAEP); the mock implements only the AEAD ciphers.
    if (key.type.startsWith('rsa-')) throw unsupportedOperation();
    if (isSigningType(key.type)) throw badRequest(`key type ${key.type} does not support encryption`);
    return key;
  };

  const encryptPath = (req: BackendRequest, input: RouteInput<typeof ENCRYPT_FIELDS>): BackendResult => {
    const name = input.params.name ?? '';
    const { items, batch } = itemsOf(req, () => {
      if (req.data.plaintext === undefined || req.data.plaintext === null) {
        throw badRequest('missing plaintext to encrypt');
      }
    });
    const outcomes: Outcome[] = items.map((item) => ({ reference: item.reference }));
    precheck(items, outcomes, false);
    if (!keys.has(name) && req.operation === 'create')
      keys.set(name, upsert(req, input, name, items[0]?.context !== ''));
    const key = mustKey(name);
    for (const [i, item] of items.entries()) {
      attempt(outcomes[i]!, () => {
        const { ciphertext, version } = encrypt(
          key,
          item.plaintext,
          item.keyVersion,
          item.decodedContext,
          aadOf(item, i),
        );
        return { ciphertext, key_version: version };
      });
    }
    return respond(input, batch, outcomes, true);
  };

  const decryptPath = (req: BackendRequest, input: RouteInput<typeof DECRYPT_FIELDS>): BackendResult => {
    const name = input.params.name ?? '';
    const { items, batch } = itemsOf(req, () => {
      if (input.fields.ciphertext === '') throw badRequest('missing ciphertext to decrypt');
    });
    // DecryptBatchResponseItem has no omitempty on plaintext.
    const outcomes: Outcome[] = items.map((item) => ({ plaintext: '', reference: item.reference }));
    precheck(items, outcomes, true);
    const key = mustKey(name);
    for (const [i, item] of items.entries()) {
      attempt(outcomes[i]!, () => ({
        plaintext: decrypt(key, item.ciphertext, item.decodedContext, aadOf(item, i)),
      }));
    }
    return respond(input, batch, outcomes, true);
  };

  const rewrapPath = (req: BackendRequest, input: RouteInput<typeof DECRYPT_FIELDS>): BackendResult => {
    const name = input.params.name ?? '';
    const { items, batch } = itemsOf(req, () => {
      if (input.fields.ciphertext === '') throw badRequest('missing ciphertext to decrypt');
    });
    const outcomes: Outcome[] = items.map((item) => ({ reference: item.reference }));
    precheck(items, outcomes, true);
    const key = mustKey(name);
    for (const [i, item] of items.entries()) {
      attempt(outcomes[i]!, () => {
        const plaintext = decrypt(key, item.ciphertext, item.decodedContext, undefined);
        const { ciphertext, version } = encrypt(
          key,
          plaintext,
          item.keyVersion,
          item.decodedContext,
          undefined,
        );
        return { ciphertext, key_version: version };
      });
    }
    // Rewrap reports item errors with a 200, unlike encrypt and decrypt.
    return respond(input, batch, outcomes, false);
  };

  const datakeyPath = ({ fields, params }: RouteInput<typeof DATAKEY_FIELDS>): BackendResult => {
    const kind = params.plaintext ?? '';
    const name = params.name ?? '';
    if (kind !== 'plaintext' && kind !== 'wrapped')
      throw badRequest("Invalid path, must be 'plaintext' or 'wrapped'");
    let context: Buffer | undefined;
    const contextText = fields.context;
    if (contextText !== '') {
      try {
        context = decodeStdBase64(contextText);
      } catch {
        throw badRequest('failed to base64-decode context');
      }
    }
    const key = mustKey(name);
    const bits = fields.bits;
    if (bits !== 128 && bits !== 256 && bits !== 512) throw badRequest('invalid bit length');
    const material = randomBytes(bits / 8).toString('base64');
    let sealed: { ciphertext: string; version: number };
    try {
      const item = { ...emptyItem(), associatedData: fields.associated_data, plaintext: material };
      sealed = encrypt(key, material, fields.key_version, context, aadOf(item, 0));
    } catch (error) {
      if (error instanceof UserError) throw badRequest(error.message);
      throw error;
    }
    const data: Record<string, unknown> = { ciphertext: sealed.ciphertext, key_version: sealed.version };
    if (kind === 'plaintext') data.plaintext = material;
    return { data };
  };

  return [
    defineRoute({
      pattern: 'encrypt/:name',
      fields: ENCRYPT_FIELDS,
      exists: (_req, { params }) => keys.has(params.name),
      handlers: { update: encryptPath },
    }),
    defineRoute({ pattern: 'decrypt/:name', fields: DECRYPT_FIELDS, handlers: { update: decryptPath } }),
    defineRoute({ pattern: 'rewrap/:name', fields: DECRYPT_FIELDS, handlers: { update: rewrapPath } }),
    defineRoute({
      pattern: 'datakey/:plaintext/:name',
      fields: DATAKEY_FIELDS,
      handlers: { update: (_req, input) => datakeyPath(input) },
    }),
  ];
}

function emptyItem(): Item {
  return { plaintext: '', ciphertext: '', context: '', keyVersion: 0, associatedData: '', reference: '' };
}

/** Encrypt's upsert (needs the `create` capability, which the core checked through `exists`). */
function upsert(
  req: BackendRequest,
  { fields }: RouteInput<typeof ENCRYPT_FIELDS>,
  name: string,
  derived: boolean,
): TransitKey {
  if (fields.convergent_encryption) {
    if (!derived)
      throw badRequest('convergent encryption requires derivation to be enabled, so context is required');
    throw unsupportedOperation();
  }
  const type = fields.type;
  if (['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521'].includes(type)) {
    throw badRequest(`key type ${type} not supported for this operation`);
  }
  if (!['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305', 'xchacha20-poly1305'].includes(type)) {
    throw badRequest(`unknown key type ${type}`);
  }
  // XChaCha20 is valid in Vault but node:crypto has no XChaCha20-Poly1305.
  if (type === 'xchacha20-poly1305') throw unsupportedOperation();
  return newKey(name, type as SymmetricType, derived, req.now);
}
