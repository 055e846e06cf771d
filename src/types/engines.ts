/**
 * The typed results and options of the engine helpers (`vault.kv()`, `vault.transit()`,
 * `vault.pki()`, `vault.database()`). Vault's field names become camelCase; values are Vault's.
 */

/** One version of a KV v2 key. Times are Vault's RFC 3339 strings; `deletionTime` is '' unless deleted. */
export interface KvVersion {
  version: number;
  createdTime: string;
  deletionTime: string;
  destroyed: boolean;
}

/** What Vault answers about the version a read or write concerns. */
export interface KvVersionMetadata extends KvVersion {
  customMetadata: Record<string, string>;
}

/** A KV read: the data, and on KV v2 the version's metadata. */
export interface KvEntry<T> {
  data: T;
  /** Undefined on a KV v1 mount. */
  metadata: KvVersionMetadata | undefined;
}

/** A KV v2 key's metadata (`<mount>/metadata/<path>`). */
export interface KvMetadata {
  casRequired: boolean;
  createdTime: string;
  currentVersion: number;
  customMetadata: Record<string, string>;
  /** A Go duration, '0s' when versions are kept forever. */
  deleteVersionAfter: string;
  maxVersions: number;
  oldestVersion: number;
  updatedTime: string;
  /** Oldest first. */
  versions: KvVersion[];
}

export interface KvMetadataUpdate {
  maxVersions?: number | undefined;
  casRequired?: boolean | undefined;
  /** A Go duration (`'720h'`) or seconds. */
  deleteVersionAfter?: string | number | undefined;
  customMetadata?: Record<string, string> | undefined;
}

/** Plain bytes or text (UTF-8): what transit encrypts, and its derivation context. */
export type Bytes = string | Uint8Array;

export interface TransitCiphertext {
  /** `vault:v<key version>:<base64>`. */
  ciphertext: string;
  keyVersion: number;
}

/** One item of a batch: its result, or Vault's error for that item alone. */
export type TransitBatchResult<T> = ({ ok: true } & T) | { ok: false; error: string };

export interface TransitEncryptItem {
  plaintext: Bytes;
  /** For keys created with `derived: true`. */
  context?: Bytes | undefined;
  keyVersion?: number | undefined;
}

export interface TransitDecryptItem {
  ciphertext: string;
  context?: Bytes | undefined;
}

export interface TransitRewrapItem extends TransitDecryptItem {
  keyVersion?: number | undefined;
}

/** A data key: `plaintext` to use now and forget, `ciphertext` to store beside the data. */
export interface TransitDataKey extends TransitCiphertext {
  plaintext: Buffer;
}

/** What `pki.issue()` and `pki.sign()` take. `ttl` is a Go duration (`'72h'`) or seconds. */
export interface PkiCertificateRequest {
  commonName: string;
  altNames?: string[] | undefined;
  ipSans?: string[] | undefined;
  uriSans?: string[] | undefined;
  ttl?: string | number | undefined;
  /** Leave the common name out of the subject alternative names. */
  excludeCnFromSans?: boolean | undefined;
}

/**
 * What `pki.sign()` takes besides the CSR. The common name and SANs default to the CSR's when
 * the role has `use_csr_common_name` / `use_csr_sans` (Vault's defaults).
 */
export type PkiSignRequest = Omit<PkiCertificateRequest, 'commonName'> & { commonName?: string | undefined };

export interface PkiSignedCertificate {
  /** PEM. */
  certificate: string;
  issuingCa: string;
  caChain: string[];
  serialNumber: string;
  /** Epoch ms (Vault sends Unix seconds). */
  expiration: number;
}

export interface PkiIssuedCertificate extends PkiSignedCertificate {
  /** PEM. */
  privateKey: string;
  privateKeyType: string;
}

/** Dynamic database credentials (`<mount>/creds/<role>`), leased. */
export interface DatabaseCredentials {
  username: string;
  password: string;
}

/** Dynamic credentials of a role with `credential_type=rsa_private_key`: a key pair login (Snowflake-style). */
export interface DatabaseKeyPairCredentials {
  username: string;
  /** PEM, PKCS#8. */
  rsa_private_key: string;
}

/** Dynamic credentials of a role with `credential_type=client_certificate`: a certificate login. */
export interface DatabaseCertificateCredentials {
  username: string;
  /** PEM, signed by the CA in the role's credential_config. */
  client_certificate: string;
  /** PEM. */
  private_key: string;
  private_key_type: string;
}

/** Vault's `credential_type` of a database role, and the credentials each gives. */
export interface DatabaseCredentialTypes {
  password: DatabaseCredentials;
  rsa_private_key: DatabaseKeyPairCredentials;
  client_certificate: DatabaseCertificateCredentials;
}

/** Static-role credentials (`<mount>/static-creds/<role>`), rotated by Vault on a schedule. */
export interface StaticDatabaseCredentials {
  username: string;
  password: string;
  /** RFC 3339. */
  last_vault_rotation: string;
  /** Seconds between rotations. */
  rotation_period: number;
  /** Seconds until the next rotation. */
  ttl: number;
}
