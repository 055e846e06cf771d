import { X509Certificate } from 'node:crypto';
import { SYSTEM_MAX_TTL } from '../../core/durations';
import type { MountInfo } from '../../core/types';
import { VaultError } from '../../core/vault-error';
import type { CertificateAuthority } from '../../x509/certificates';
import type { PkiRole } from './roles';

export interface Issuer {
  id: string;
  name: string;
  keyId: string;
  keyName: string;
  ca: CertificateAuthority;
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
  signingIssuer(ref: string): Issuer {
    const issuer = this.resolveIssuer(ref);
    if ('error' in issuer) {
      throw VaultError.wrapped(500, `could not fetch the CA certificate (was one set?): ${issuer.error}`);
    }
    return issuer;
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
