import { constants, sign, verify } from 'node:crypto';
import { field } from '../../core/fields';
import { goQuote } from '../../core/go-format';
import { type DeclaredRoute, defineRoute, type RouteInput } from '../../core/routes';
import type { BackendResult } from '../../core/types';
import { badRequest, unsupportedOperation } from '../../core/vault-error';
import { decodeStdBase64 } from './go-base64';
import { isSigningType, type TransitKey } from './keys';

const SIGN_FIELDS = {
  name: field('string', 'The key to use'),
  urlalgorithm: field('string', 'Hash algorithm to use (POST URL parameter)'),
  key_version: field(
    'int',
    'The version of the key to use for signing. If not set, uses the latest version.',
  ),
  hash_algorithm: field('string', 'Hash algorithm to use (POST body parameter).', 'sha2-256'),
  algorithm: field('string', 'Deprecated: use "hash_algorithm" instead.', 'sha2-256'),
  input: field('string', 'The base64-encoded input data'),
  context: field('string', 'Base64 encoded context for key derivation.'),
  prehashed: field('bool', 'Set to true when the input is already hashed.'),
  signature_algorithm: field('string', 'The signature algorithm to use for RSA keys: "pss" or "pkcs1v15".'),
  marshaling_algorithm: field(
    'string',
    'The way in which the signature should be marshaled: "asn1" or "jws".',
    'asn1',
  ),
  salt_length: field(
    'string',
    'The salt length used to sign for RSA PSS: "auto", "hash" or a number.',
    'auto',
  ),
  reference: field('string', 'A value echoed back in the batch result of this item'),
  batch_input: field('slice', 'Specifies a list of items to be signed or verified in a single batch.'),
} as const;

const VERIFY_FIELDS = {
  ...SIGN_FIELDS,
  signature: field('string', 'The signature, including vault header/key version'),
} as const;

/** keysutil's hash names, as node:crypto calls them. */
const HASHES: Record<string, string | null> = {
  'sha2-224': 'sha224',
  'sha2-256': 'sha256',
  'sha2-384': 'sha384',
  'sha2-512': 'sha512',
  'sha3-224': 'sha3-224',
  'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384',
  'sha3-512': 'sha3-512',
  none: null,
};

interface SignInput {
  key: TransitKey;
  hash: string | null;
  jws: boolean;
  pkcs1: boolean;
}

/**
 * `sign/:name` and `verify/:name` (path_sign_verify.go, keysutil.Policy.Sign and VerifySignature)
 * for the ECDSA, Ed25519 and RSA key types, signatures in Vault's `vault:v<N>:` form.
 */
export function signingRoutes(keys: Map<string, TransitKey>): DeclaredRoute[] {
  const settingsOf = ({ fields, has, params }: RouteInput<typeof SIGN_FIELDS>): SignInput => {
    const key = keys.get(params.name ?? '');
    if (!key) throw badRequest('signing key not found');
    if (!isSigningType(key.type)) throw badRequest(`key type ${key.type} does not support signing`);
    if (fields.prehashed) throw unsupportedOperation();
    const name = params.urlalgorithm || (has('hash_algorithm') ? fields.hash_algorithm : fields.algorithm);
    if (!(name in HASHES)) throw badRequest(`unsupported hash algorithm ${name}`);
    const marshaling = fields.marshaling_algorithm;
    if (marshaling !== 'asn1' && marshaling !== 'jws') {
      throw badRequest(`invalid marshaling type ${goQuote(marshaling)}`);
    }
    const algorithm = fields.signature_algorithm || 'pss';
    if (key.type.startsWith('rsa-') && algorithm !== 'pss' && algorithm !== 'pkcs1v15') {
      throw badRequest(`unsupported rsa signature algorithm ${algorithm}`);
    }
    // Ed25519 signs the message itself, whatever hash was asked for.
    return {
      key,
      hash: key.type === 'ed25519' ? null : (HASHES[name] ?? 'sha256'),
      jws: marshaling === 'jws',
      pkcs1: algorithm === 'pkcs1v15',
    };
  };

  const inputOf = (text: string): Buffer => {
    try {
      return decodeStdBase64(text);
    } catch (error) {
      throw badRequest(`unable to decode input as base64: ${(error as Error).message}`);
    }
  };

  const kindOf = ({ key }: SignInput) => ({
    rsa: key.type.startsWith('rsa-'),
    ec: key.type.startsWith('ecdsa-'),
  });

  const signOne = (settings: SignInput, input: Buffer, requested: number): Record<string, unknown> => {
    const { key } = settings;
    const versionNumber = requested === 0 ? key.latestVersion : requested;
    if (versionNumber < key.minEncryptionVersion || versionNumber > key.latestVersion) {
      throw badRequest('requested version for signing is not valid');
    }
    const entry = key.versions.get(versionNumber);
    if (!entry?.privateKey) throw badRequest('invalid key version');
    const { rsa, ec } = kindOf(settings);
    const signature = sign(settings.hash, input, {
      key: entry.privateKey,
      ...(ec ? { dsaEncoding: settings.jws ? 'ieee-p1363' : 'der' } : {}),
      ...(rsa
        ? settings.pkcs1
          ? { padding: constants.RSA_PKCS1_PADDING }
          : { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN }
        : {}),
    });
    const encoded = settings.jws ? signature.toString('base64url') : signature.toString('base64');
    return { signature: `vault:v${versionNumber}:${encoded}`, key_version: versionNumber };
  };

  const verifyOne = (settings: SignInput, input: Buffer, signature: string): boolean => {
    const { key } = settings;
    if (!signature.startsWith('vault:v')) throw badRequest('invalid signature: no prefix');
    const rest = signature.slice('vault:v'.length);
    const colon = rest.indexOf(':');
    if (colon === -1) throw badRequest('invalid signature: wrong number of fields');
    const version = Number.parseInt(rest.slice(0, colon), 10);
    if (!/^\d+$/.test(rest.slice(0, colon)))
      throw badRequest('invalid signature: version number could not be decoded');
    if (version > key.latestVersion) throw badRequest('invalid signature: version is too new');
    if (key.minDecryptionVersion > 0 && version < key.minDecryptionVersion) {
      throw badRequest('ciphertext or signature version is disallowed by policy (too old)');
    }
    const body = rest.slice(colon + 1);
    const bytes = settings.jws ? Buffer.from(body, 'base64url') : Buffer.from(body, 'base64');
    const entry = key.versions.get(version);
    if (!entry?.publicKey) return false;
    const { rsa, ec } = kindOf(settings);
    return verify(
      settings.hash,
      input,
      {
        key: entry.publicKey,
        ...(ec ? { dsaEncoding: settings.jws ? 'ieee-p1363' : 'der' } : {}),
        ...(rsa
          ? settings.pkcs1
            ? { padding: constants.RSA_PKCS1_PADDING }
            : { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }
          : {}),
      },
      bytes,
    );
  };

  /** A single item, or each of batch_input with its reference and its own error. */
  const run = (
    input: RouteInput<typeof VERIFY_FIELDS>,
    one: (item: Record<string, unknown>) => Record<string, unknown>,
  ): BackendResult => {
    const batch = input.fields.batch_input;
    if (!input.has('batch_input')) return { data: one(input.fields) };
    const results = batch.map((raw) => {
      const item = (raw ?? {}) as Record<string, unknown>;
      try {
        return { ...one(item), reference: String(item.reference ?? '') };
      } catch (error) {
        return { error: (error as Error).message, reference: String(item.reference ?? '') };
      }
    });
    return { data: { batch_results: results } };
  };

  const signRoute = (pattern: string) =>
    defineRoute({
      pattern,
      fields: SIGN_FIELDS,
      handlers: {
        update: (_req, input) => {
          const settings = settingsOf(input);
          return run(input as RouteInput<typeof VERIFY_FIELDS>, (item) =>
            signOne(settings, inputOf(String(item.input ?? '')), Number(item.key_version ?? 0) || 0),
          );
        },
      },
    });
  const verifyRoute = (pattern: string) =>
    defineRoute({
      pattern,
      fields: VERIFY_FIELDS,
      handlers: {
        update: (_req, input) => {
          const settings = settingsOf(input);
          return run(input, (item) => {
            const signature = String(item.signature ?? '');
            if (signature === '') throw badRequest('missing signature to validate');
            return { valid: verifyOne(settings, inputOf(String(item.input ?? '')), signature) };
          });
        },
      },
    });
  return [
    signRoute('sign/:name'),
    signRoute('sign/:name/:urlalgorithm'),
    verifyRoute('verify/:name'),
    verifyRoute('verify/:name/:urlalgorithm'),
  ];
}
