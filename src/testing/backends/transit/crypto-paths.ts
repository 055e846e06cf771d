import { randomBytes } from 'node:crypto';
import type { Route } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest, unsupportedOperation, VaultError } from '../../core/vault-error';
import { int, str } from '../fields';
import { decodeStdBase64 } from './go-base64';
import { decrypt, encrypt, newKey, type SymmetricType, type TransitKey, UserError } from './keys';

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
  if (!Array.isArray(raw))
    throw VaultError.wrapped(500, 'failed to parse batch input: expected a list of objects');
  if (raw.length === 0) throw badRequest('missing batch input to process');
  return { items: raw.map((entry) => toItem((entry ?? {}) as Record<string, unknown>)), batch: true };
}

function toItem(data: Record<string, unknown>): Item {
  return {
    plaintext: str(data, 'plaintext'),
    ciphertext: str(data, 'ciphertext'),
    context: str(data, 'context'),
    keyVersion: int(data, 'key_version', 0),
    associatedData: str(data, 'associated_data'),
    reference: str(data, 'reference'),
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
  req: BackendRequest,
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
  const override = req.data.partial_failure_response_code;
  if (override !== undefined && failed.length < outcomes.length) {
    const code = int(req.data, 'partial_failure_response_code', 0);
    if (code < 1 || code > 599) {
      warnings.push(
        `invalid HTTP response code override from partial_failure_response_code, reverting to ${status}`,
      );
    } else status = code;
  }
  return { data: { batch_results: results }, warnings, status };
}

/** `encrypt/:name`, `decrypt/:name`, `rewrap/:name`, `datakey/:type/:name` (path_encrypt.go and siblings). */
export function cryptoRoutes(keys: Map<string, TransitKey>): Route[] {
  const mustKey = (name: string) => {
    const key = keys.get(name);
    if (!key) throw badRequest('encryption key not found');
    return key;
  };

  const encryptPath = (req: BackendRequest, name: string): BackendResult => {
    const { items, batch } = itemsOf(req, () => {
      if (req.data.plaintext === undefined || req.data.plaintext === null) {
        throw badRequest('missing plaintext to encrypt');
      }
    });
    const outcomes: Outcome[] = items.map((item) => ({ reference: item.reference }));
    precheck(items, outcomes, false);
    if (!keys.has(name) && req.operation === 'create')
      keys.set(name, upsert(req, name, items[0]!.context !== ''));
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
    return respond(req, batch, outcomes, true);
  };

  const decryptPath = (req: BackendRequest, name: string): BackendResult => {
    const { items, batch } = itemsOf(req, () => {
      if (str(req.data, 'ciphertext') === '') throw badRequest('missing ciphertext to decrypt');
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
    return respond(req, batch, outcomes, true);
  };

  const rewrapPath = (req: BackendRequest, name: string): BackendResult => {
    const { items, batch } = itemsOf(req, () => {
      if (str(req.data, 'ciphertext') === '') throw badRequest('missing ciphertext to decrypt');
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
    return respond(req, batch, outcomes, false);
  };

  const datakeyPath = (req: BackendRequest, kind: string, name: string): BackendResult => {
    if (kind !== 'plaintext' && kind !== 'wrapped')
      throw badRequest("Invalid path, must be 'plaintext' or 'wrapped'");
    let context: Buffer | undefined;
    const contextText = str(req.data, 'context');
    if (contextText !== '') {
      try {
        context = decodeStdBase64(contextText);
      } catch {
        throw badRequest('failed to base64-decode context');
      }
    }
    const key = mustKey(name);
    const bits = int(req.data, 'bits', 256);
    if (bits !== 128 && bits !== 256 && bits !== 512) throw badRequest('invalid bit length');
    const material = randomBytes(bits / 8).toString('base64');
    let sealed: { ciphertext: string; version: number };
    try {
      const item = { ...toItem(req.data), plaintext: material };
      sealed = encrypt(key, material, int(req.data, 'key_version', 0), context, aadOf(item, 0));
    } catch (error) {
      if (error instanceof UserError) throw badRequest(error.message);
      throw error;
    }
    const data: Record<string, unknown> = { ciphertext: sealed.ciphertext, key_version: sealed.version };
    if (kind === 'plaintext') data.plaintext = material;
    return { data };
  };

  return [
    {
      pattern: 'encrypt/:name',
      exists: (_req, p) => keys.has(p.name!),
      handlers: { update: (req, p) => encryptPath(req, p.name!) },
    },
    { pattern: 'decrypt/:name', handlers: { update: (req, p) => decryptPath(req, p.name!) } },
    { pattern: 'rewrap/:name', handlers: { update: (req, p) => rewrapPath(req, p.name!) } },
    { pattern: 'datakey/:kind/:name', handlers: { update: (req, p) => datakeyPath(req, p.kind!, p.name!) } },
  ];
}

/** Encrypt's upsert (needs the `create` capability, which the core checked through `exists`). */
function upsert(req: BackendRequest, name: string, derived: boolean): TransitKey {
  if (req.data.convergent_encryption === true || req.data.convergent_encryption === 'true') {
    if (!derived)
      throw badRequest('convergent encryption requires derivation to be enabled, so context is required');
    throw unsupportedOperation();
  }
  const type = str(req.data, 'type', 'aes256-gcm96');
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
