import type { RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest } from '../../core/vault-error';
import type { CertificateUsage, SignedCertificate } from '../../x509/certificates';
import { exportPrivateKey, generateKey, type KeyType } from '../../x509/keys';
import { generateCreation } from './creation';
import type { ISSUE_FIELDS } from './fields';
import { keyBitsFor, type PkiRole } from './roles';
import { derBase64, type Issuer, type PkiState, pemBodyBase64 } from './state';

export type CertFormat = 'pem' | 'der' | 'pem_bundle';

/** getFormat: anything but the three formats (the empty string included) is refused. */
export function formatOf(format: string): CertFormat {
  if (format === 'pem' || format === 'der' || format === 'pem_bundle') return format;
  throw badRequest('the "format" path parameter must be "pem", "der", or "pem_bundle"');
}

export function usageOf(role: Pick<PkiRole, 'serverFlag' | 'clientFlag'>): CertificateUsage {
  if (role.serverFlag && !role.clientFlag) return 'server';
  if (role.clientFlag && !role.serverFlag) return 'client';
  // Both, or neither (Vault would then omit the EKU extension; the mock's x509 module always writes one).
  return 'server-and-client';
}

/**
 * pathIssueSignCert's answer: the certificate in the format asked, the issuer and its chain,
 * stored unless `no_store`, with a lease when `generate_lease` (ending with the certificate).
 */
export function leafResult(
  state: PkiState,
  req: BackendRequest,
  leaf: {
    signed: SignedCertificate;
    issuer: Issuer;
    format: CertFormat;
    role: Pick<PkiRole, 'noStore' | 'generateLease'>;
    privateKey?: { pem: string; type: KeyType };
    warnings: string[];
  },
): BackendResult {
  const { signed, issuer, format, privateKey } = leaf;
  if (!leaf.role.noStore) state.store(signed.certificate, signed.serialNumber, issuer.id);
  const chain = state.chainOf(issuer);
  const data: Record<string, unknown> = {
    expiration: Math.floor(signed.notAfter.getTime() / 1000),
    serial_number: signed.serialNumber,
  };
  if (format === 'der') {
    data.certificate = derBase64(signed.certificate);
    data.issuing_ca = derBase64(issuer.certificate);
    data.ca_chain = chain.map(derBase64);
    if (privateKey) data.private_key = pemBodyBase64(privateKey.pem);
  } else {
    // ToPEMBundle: key, certificate, then the chain.
    data.certificate =
      format === 'pem'
        ? signed.certificate
        : [...(privateKey ? [privateKey.pem] : []), signed.certificate, ...chain].join('\n');
    data.issuing_ca = issuer.certificate;
    data.ca_chain = chain;
    if (privateKey) data.private_key = privateKey.pem;
  }
  if (privateKey) data.private_key_type = privateKey.type;
  const result: BackendResult = { data, warnings: leaf.warnings };
  if (leaf.role.generateLease) {
    // A lease that ends with the certificate; PKI's secret type has no renew handler.
    const ttl = Math.floor((signed.notAfter.getTime() - req.now) / 1000);
    result.secret = { ttl, renewable: false, internal: { serial_number: signed.serialNumber } };
  }
  return result;
}

/** `issue/:role` (path_issue_sign.go): Vault makes the key pair, checks the names, signs. */
export function issueCertificate(
  state: PkiState,
  req: BackendRequest,
  { fields, has }: RouteInput<typeof ISSUE_FIELDS>,
  roleName: string,
): BackendResult {
  const stored = state.roles.get(roleName);
  if (!stored) throw badRequest(`unknown role: ${roleName}`);
  const role = { ...stored };
  const warnings: string[] = [];
  const keyTypeGiven = has('key_type') || has('key_bits');
  if (role.keyType === 'any') {
    if (!has('key_type')) {
      throw badRequest(
        'role key type "any" not allowed for issuing certificates without providing key_type and/or key_bits request parameters',
      );
    }
    role.keyType = fields.key_type as PkiRole['keyType'];
    role.keyBits = keyBitsFor(role.keyType, fields.key_bits);
  } else if (keyTypeGiven) {
    warnings.push('parameters key_type and key_bits ignored as role had specific values');
  }
  const format = formatOf(fields.format);
  const issuer = state.signingIssuer(role.issuerRef);
  const creation = generateCreation({
    state,
    role,
    fields,
    has,
    csr: undefined,
    displayName: req.token?.displayName ?? '',
    issuer,
    now: req.now,
    notAfterBehavior: 'err',
  });
  warnings.push(...creation.warnings);
  const key = generateKey(role.keyType === 'any' ? 'ec' : role.keyType, role.keyBits || undefined);
  const signed = issuer.ca.sign({
    spki: key.publicKey.export({ type: 'spki', format: 'der' }),
    subject: creation.subject,
    dnsNames: creation.dnsNames,
    ipAddresses: creation.ipAddresses,
    uris: creation.uris,
    emails: creation.emails,
    notBefore: new Date(creation.notBefore),
    notAfter: new Date(creation.notAfter),
    usage: usageOf(role),
  });
  const pkcs8 = fields.private_key_format === 'pkcs8';
  return leafResult(state, req, {
    signed,
    issuer,
    format,
    role,
    privateKey: { pem: exportPrivateKey(key, pkcs8 ? 'pkcs8' : 'native'), type: key.type },
    warnings,
  });
}
