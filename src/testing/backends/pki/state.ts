import { X509Certificate } from 'node:crypto';
import { SYSTEM_MAX_TTL } from '../../core/durations';
import { uuid } from '../../core/ids';
import type { MountInfo } from '../../core/types';
import { badRequest, VaultError } from '../../core/vault-error';
import { CertificateAuthority } from '../../x509/certificates';
import * as der from '../../x509/der';
import type { KeyPair } from '../../x509/keys';
import { type ParsedCertificate, parseCertificate } from '../../x509/parse';
import type { PkiRole } from './roles';

/** A key the mount holds (`keys/`): generated for a root or an intermediate, or imported. */
export interface PkiKey {
  id: string;
  name: string;
  pair: KeyPair;
}

/** An issuer (`issuers/`): a CA certificate, with the mount's key for it when it has one. */
export interface Issuer {
  id: string;
  name: string;
  /** PEM, as stored (trimmed). */
  certificate: string;
  parsed: ParsedCertificate;
  /** '' for an issuer without a key in this mount (a parent imported with a chain). */
  keyId: string;
  /** The signer, present exactly when the key is. */
  ca: CertificateAuthority | undefined;
}

export interface StoredCertificate {
  pem: string;
  /** Colon form, as Vault prints it. */
  serial: string;
  issuerId: string;
  /** Epoch ms on the mock clock; null while valid. */
  revokedAt: number | null;
}

/** Storage keys use lowercase hex with dashes; requests may use colons or dashes, any case. */
export const normalizeSerial = (serial: string): string => serial.toLowerCase().replaceAll(':', '-');

/** config/urls (path_config_urls.go). */
export interface UrlsConfig {
  issuingCertificates: string[];
  crlDistributionPoints: string[];
  ocspServers: string[];
  enableTemplating: boolean;
}

/** config/crl (path_config_crl.go); durations as Go duration strings, as Vault stores them. */
export interface CrlConfig {
  expiry: string;
  disable: boolean;
  ocspDisable: boolean;
  ocspExpiry: string;
  autoRebuild: boolean;
  autoRebuildGracePeriod: string;
  enableDelta: boolean;
  deltaRebuildInterval: string;
}

export class PkiState {
  readonly keys: PkiKey[] = [];
  readonly issuers: Issuer[] = [];
  defaultIssuer: Issuer | undefined;
  readonly roles = new Map<string, PkiRole>();
  readonly certs = new Map<string, StoredCertificate>();
  urls: UrlsConfig = {
    issuingCertificates: [],
    crlDistributionPoints: [],
    ocspServers: [],
    enableTemplating: false,
  };
  crlConfig: CrlConfig = {
    expiry: '72h',
    disable: false,
    ocspDisable: false,
    ocspExpiry: '12h',
    autoRebuild: false,
    autoRebuildGracePeriod: '12h',
    enableDelta: false,
    deltaRebuildInterval: '15m',
  };
  /** The CRL's number; every rebuild (a revocation, crl/rotate) takes the next. */
  crlNumber = 1;

  constructor(readonly mount: Readonly<MountInfo>) {}

  get mountDefaultTtl(): number {
    return this.mount.defaultLeaseTtl || SYSTEM_MAX_TTL;
  }

  get mountMaxTtl(): number {
    return this.mount.maxLeaseTtl || SYSTEM_MAX_TTL;
  }

  /** resolveIssuerReference: `default`, an issuer id or an issuer name. */
  resolveIssuer(ref: string): Issuer | { error: string } {
    if (ref === 'default') return this.defaultIssuer ?? { error: 'no default issuer currently configured' };
    const found = this.issuers.find((i) => i.id === ref || (i.name !== '' && i.name === ref));
    return found ?? { error: `unable to find PKI issuer for reference: ${ref}` };
  }

  /** The issuer for issuance; Vault returns this failure as a plain error, hence a 500. */
  signingIssuer(ref: string): Issuer & { ca: CertificateAuthority } {
    const issuer = this.resolveIssuer(ref);
    const fail = (why: string) =>
      VaultError.wrapped(500, `could not fetch the CA certificate (was one set?): ${why}`);
    if ('error' in issuer) throw fail(issuer.error);
    const { ca } = issuer;
    if (!ca) {
      throw fail(
        `unable to fetch corresponding key for issuer ${issuer.id}; unable to use this issuer for signing`,
      );
    }
    return { ...issuer, ca };
  }

  /** importKey: a key already held (same public key) is returned as it is, not stored twice. */
  importKey(pair: KeyPair, name: string): { key: PkiKey; existing: boolean } {
    const found = this.keys.find((k) => k.pair.publicKey.equals(pair.publicKey));
    if (found) return { key: found, existing: true };
    if (name !== '' && this.keys.some((k) => k.name === name)) {
      throw badRequest(`key name already in use: ${name}`);
    }
    const key: PkiKey = { id: uuid(), name, pair };
    this.keys.push(key);
    return { key, existing: false };
  }

  /**
   * importIssuer (storage.go): a CA certificate, linked to the mount's key for its public key;
   * the same certificate again is the existing issuer. The first issuer with a key becomes the
   * default when there is none. Throws Vault's words for what it refuses.
   */
  importIssuer(bytes: Buffer, name: string): { issuer: Issuer; existing: boolean } {
    let parsed: ParsedCertificate;
    try {
      parsed = parseCertificate(bytes);
    } catch (error) {
      throw new Error(`x509: malformed certificate: ${(error as Error).message}`);
    }
    if (!parsed.isCa) throw new Error('Refusing to import non-CA certificate');
    if (!parsed.publicKey) {
      throw new Error(
        'Refusing to import CA certificate with empty PublicKey. This usually means the SubjectPublicKeyInfo field has an OID not recognized by Go, such as 1.2.840.113549.1.1.10 for rsaPSS.',
      );
    }
    const same = this.issuers.find((i) => i.parsed.der.equals(parsed.der));
    if (same) return { issuer: same, existing: true };
    if (name !== '' && this.issuers.some((i) => i.name === name)) {
      throw new Error(`another issuer is using the requested name: ${name}`);
    }
    const certificate = der.toPem('CERTIFICATE', parsed.der);
    const publicKey = parsed.publicKey;
    const key = this.keys.find((k) => k.pair.publicKey.equals(publicKey));
    const issuer: Issuer = {
      id: uuid(),
      name,
      certificate,
      parsed,
      keyId: key?.id ?? '',
      ca: key ? CertificateAuthority.fromCertificate(certificate, key.pair.privateKey) : undefined,
    };
    this.issuers.push(issuer);
    if (key && !this.defaultIssuer) this.defaultIssuer = issuer;
    return { issuer, existing: false };
  }

  /**
   * The issuer's chain as rebuildIssuersChains finds it: the issuer, then each parent held by
   * the mount (subject matches and the signature verifies), up to a self-signed root.
   */
  chainOf(issuer: Issuer): string[] {
    const chain = [issuer];
    for (let current = issuer; chain.length <= this.issuers.length; ) {
      const cert = new X509Certificate(current.parsed.der);
      if (cert.checkIssued(cert) && cert.verify(cert.publicKey)) break;
      const parent = this.issuers.find((candidate) => {
        if (chain.includes(candidate)) return false;
        const parentCert = new X509Certificate(candidate.parsed.der);
        return cert.checkIssued(parentCert) && cert.verify(parentCert.publicKey);
      });
      if (!parent) break;
      chain.push(parent);
      current = parent;
    }
    return chain.map((i) => i.certificate);
  }

  store(pem: string, serial: string, issuerId: string): void {
    this.certs.set(normalizeSerial(serial), { pem, serial, issuerId, revokedAt: null });
  }
}

export function derBase64(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64');
}

/** The DER inside a PEM block, base64 again: Vault's `der` format for keys. */
export function pemBodyBase64(pem: string): string {
  return pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
}
