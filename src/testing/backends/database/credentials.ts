import { rfc3339 } from '../../core/go-format';
import { exportPrivateKey, generateKey } from '../../x509/keys';
import type { CredentialConfig } from './credential-config';
import type { UsernameMetadata } from './username-template';

/**
 * The credential a dynamic role hands out besides its username (path_creds_create.go): what goes
 * to the plugin's NewUser and what comes back in the answer's data.
 */
export interface GeneratedCredential {
  /** Given to NewUser. */
  request: { password: string; publicKey?: string; subject?: string };
  /** Into the response data, next to `username`. */
  data: Record<string, string>;
}

/** A key pair (rsaKeyGenerator.generate) or a client certificate (ClientCertificateGenerator.generate). */
export function generateCredential(
  config: Exclude<CredentialConfig, { type: 'password' }>,
  metadata: UsernameMetadata,
  now: number,
  expiresAt: number,
): GeneratedCredential {
  if (config.type === 'rsa_private_key') {
    const key = generateKey('rsa', config.keyBits);
    // pem.EncodeToMemory ends each block with a newline.
    const publicKey = `${String(key.publicKey.export({ type: 'spki', format: 'pem' })).trim()}\n`;
    return {
      request: { password: '', publicKey },
      data: { rsa_private_key: `${exportPrivateKey(key, 'pkcs8')}\n` },
    };
  }
  const commonName = config.commonNameTemplate.generate(metadata, now);
  const caNotAfter = config.ca.notAfter.getTime();
  if (expiresAt > caNotAfter) {
    throw new Error(
      `failed to generate client certificate: unable to generate client certificate: cannot satisfy request, as TTL would result in notAfter of ${rfc3339(expiresAt)} that is beyond the expiration of the CA certificate at ${rfc3339(caNotAfter)}`,
    );
  }
  const key = generateKey(config.keyType, config.keyBits || undefined);
  const signed = config.ca.sign({
    spki: key.publicKey.export({ type: 'spki', format: 'der' }),
    subject: { commonName },
    notBefore: new Date(now - 30_000),
    notAfter: new Date(expiresAt),
    usage: 'client',
  });
  return {
    // pkix.Name.String() of a subject with only a common name.
    request: { password: '', subject: `CN=${commonName}` },
    data: {
      client_certificate: signed.certificate,
      private_key: exportPrivateKey(key),
      private_key_type: key.type,
    },
  };
}
