import { createPrivateKey } from 'node:crypto';
import { CertificateAuthority } from '../../x509/certificates';
import type { KeyType } from '../../x509/keys';
import type { CredentialType } from './state';
import { UsernameTemplate } from './username-template';

/*
 * A role's `credential_config`, checked and completed as the database engine's generators do
 * (hashicorp/vault builtin/logical/database/credentials.go: newPasswordGenerator,
 * newRSAKeyGenerator, newClientCertificateGenerator). Values arrive as strings (TypeKVPairs) and
 * are read with mapstructure's weak decoding; the stored config is what configMap gives back.
 */

export type CredentialConfig =
  | { type: 'password'; passwordPolicy: string }
  | { type: 'rsa_private_key'; format: 'pkcs8'; keyBits: 2048 | 3072 | 4096 }
  | {
      type: 'client_certificate';
      commonNameTemplate: UsernameTemplate;
      ca: CertificateAuthority;
      keyType: KeyType;
      keyBits: number;
      signatureBits: number;
      /** The config as given, which is what Vault stores and reads back (CA key included). */
      stored: Record<string, string | number>;
    };

/** mapstructure.WeakDecode of a string into an int field. */
function weakInt(config: Record<string, string>, key: string): number {
  const raw = config[key];
  if (raw === undefined || raw === '') return 0;
  if (!/^[+-]?\d+$/.test(raw)) {
    throw new Error(
      `1 error(s) decoding:\n\n* cannot parse '${key}' as int: strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`,
    );
  }
  return Number(raw);
}

/** setCredentialConfig: the completed config, or an Error worded as the generator words it. */
export function credentialConfig(type: CredentialType, config: Record<string, string>): CredentialConfig {
  if (type === 'password') return { type, passwordPolicy: config.password_policy ?? '' };
  if (type === 'rsa_private_key') {
    const format = (config.format ?? '').toLowerCase();
    if (format !== '' && format !== 'pkcs8') throw new Error(`invalid format: ${config.format}`);
    const keyBits = weakInt(config, 'key_bits') || 2048;
    if (keyBits !== 2048 && keyBits !== 3072 && keyBits !== 4096)
      throw new Error(`invalid key_bits: ${keyBits}`);
    return { type, format: 'pkcs8', keyBits };
  }
  return clientCertificateConfig(config);
}

function clientCertificateConfig(config: Record<string, string>): CredentialConfig {
  const keyType = config.key_type ?? '';
  const keyBits = weakInt(config, 'key_bits');
  const signatureBits = weakInt(config, 'signature_bits');
  if (keyType === 'rsa') {
    if (![0, 2048, 3072, 4096].includes(keyBits)) throw new Error('invalid key_bits');
  } else if (keyType === 'ec') {
    // Go takes P-224 too; the mock's x509 module cannot make P-224 keys.
    if (![0, 256, 384, 521].includes(keyBits)) throw new Error('invalid key_bits');
  } else if (keyType !== 'ed25519') {
    throw new Error('invalid key_type');
  }
  if (![0, 256, 384, 512].includes(signatureBits)) throw new Error('invalid signature_bits');
  const cnSource = config.common_name_template ?? '';
  if (cnSource === '') throw new Error('missing required common_name_template');
  let commonNameTemplate: UsernameTemplate;
  try {
    commonNameTemplate = UsernameTemplate.parse(cnSource);
  } catch (error) {
    throw new Error(`failed to create template: ${(error as Error).message}`);
  }
  try {
    commonNameTemplate.generate({ DisplayName: '', RoleName: '' }, Date.now());
  } catch (error) {
    throw new Error(`invalid common_name_template: ${(error as Error).message}`);
  }
  const caCert = config.ca_cert ?? '';
  const caKey = config.ca_private_key ?? '';
  if (caCert === '') throw new Error('missing required ca_cert');
  if (caKey === '') throw new Error('missing required ca_private_key');
  let ca: CertificateAuthority;
  try {
    ca = CertificateAuthority.fromCertificate(caCert, createPrivateKey(caKey));
  } catch (error) {
    throw new Error(`failed to parse the CA bundle: ${(error as Error).message}`);
  }
  if (!ca.isCa) throw new Error('the given certificate is not marked for CA use');
  const stored: Record<string, string | number> = {};
  for (const [key, value] of Object.entries({
    common_name_template: cnSource,
    ca_private_key: caKey,
    ca_cert: caCert,
    key_type: keyType,
    key_bits: keyBits,
    signature_bits: signatureBits,
  })) {
    // omitempty.
    if (value !== '' && value !== 0) stored[key] = value;
  }
  return {
    type: 'client_certificate',
    commonNameTemplate,
    ca,
    keyType: keyType as KeyType,
    keyBits,
    signatureBits,
    stored,
  };
}

/** configMap: what a role read shows as `credential_config` (omitted when empty). */
export function storedConfig(config: CredentialConfig): Record<string, string | number> | undefined {
  if (config.type === 'password') {
    return config.passwordPolicy === '' ? undefined : { password_policy: config.passwordPolicy };
  }
  if (config.type === 'rsa_private_key') return { format: config.format, key_bits: config.keyBits };
  return config.stored;
}
