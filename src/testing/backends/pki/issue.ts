import { isIP } from 'node:net';
import { goDurationString, rfc3339 } from '../../core/go-format';
import type { RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest } from '../../core/vault-error';
import type { CertificateUsage, PrivateKeyFormat } from '../../x509/certificates';
import type { ISSUE_FIELDS } from './fields';
import { validateCommonName, validateNames, WILD_HOSTNAME } from './names';
import { keyBitsFor, type PkiRole } from './roles';
import { derBase64, type Issuer, type PkiState, pemBodyBase64 } from './state';

export type CertFormat = 'pem' | 'der' | 'pem_bundle';

/** getFormat: anything but the three formats (the empty string included) is refused. */
export function formatOf(format: string): CertFormat {
  if (format === 'pem' || format === 'der' || format === 'pem_bundle') return format;
  throw badRequest('the "format" path parameter must be "pem", "der", or "pem_bundle"');
}

/** GetCertificateNotAfter: request ttl, else role ttl, else the mount default; capped at role or mount max. */
export function notAfterFor(
  state: PkiState,
  requested: number,
  role: Pick<PkiRole, 'ttl' | 'maxTtl'>,
  now: number,
): { notAfter: number; warnings: string[] } {
  const warnings: string[] = [];
  let ttl = requested || role.ttl || state.mountDefaultTtl;
  const maxTtl = role.maxTtl || state.mountMaxTtl;
  if (ttl > maxTtl) {
    warnings.push(
      `TTL "${goDurationString(ttl)}" is longer than permitted maxTTL "${goDurationString(maxTtl)}", so maxTTL is being used`,
    );
    ttl = maxTtl;
  }
  return { notAfter: now + ttl * 1000, warnings };
}

function usageOf(role: PkiRole): CertificateUsage {
  if (role.serverFlag && !role.clientFlag) return 'server';
  if (role.clientFlag && !role.serverFlag) return 'client';
  // Both, or neither (Vault would then omit the EKU extension; the mock's x509 module always writes one).
  return 'server-and-client';
}

/** `issue/:role` (path_issue_sign.go, issuing/issue_common.go): checks in Vault's order, then signs. */
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
  const displayName = req.token?.displayName ?? '';

  const cn = fields.common_name;
  if (cn === '' && role.requireCn) {
    throw badRequest(
      'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false',
    );
  }
  const dnsNames: string[] = [];
  const emails: string[] = [];
  if (cn !== '' && !fields.exclude_cn_from_sans) {
    if (cn.includes('@')) emails.push(cn);
    else if (WILD_HOSTNAME.test(cn)) dnsNames.push(cn);
  }
  // strutil.ParseDedupAndSortStrings(alt_names, ","): split, trimmed, empty dropped, unique, sorted.
  const altNames = [
    ...new Set(
      fields.alt_names
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
    ),
  ].sort();
  for (const name of altNames) {
    if (name.includes('@')) emails.push(name);
    else if (WILD_HOSTNAME.test(name)) dnsNames.push(name);
    else
      throw badRequest(
        `subject alternate name ${name} is not a valid DNS name and cannot be included as a SAN`,
      );
  }
  if (cn !== '') {
    const bad = validateCommonName(role, cn, displayName);
    if (bad) throw badRequest(`common name ${bad} not allowed by this role`);
  }
  const badDns = validateNames(role, dnsNames, displayName);
  if (badDns) throw badRequest(`subject alternate name ${badDns} not allowed by this role`);
  const badEmail = validateNames(role, emails, displayName);
  if (badEmail) throw badRequest(`email address ${badEmail} not allowed by this role`);

  const ipSans = fields.ip_sans.filter((ip) => ip !== '');
  if (ipSans.length > 0 && !role.allowIpSans) {
    // Go's %s of a []string.
    throw badRequest(
      `IP Subject Alternative Names are not allowed in this role, but was provided [${ipSans.join(' ')}]`,
    );
  }
  for (const ip of ipSans)
    if (isIP(ip) === 0) throw badRequest(`the value "${ip}" is not a valid IP address`);

  const timing = notAfterFor(state, fields.ttl, role, req.now);
  warnings.push(...timing.warnings);
  checkValidity(issuer, timing.notAfter, req.now - role.notBeforeDuration * 1000);

  const privateKeyFormat: PrivateKeyFormat = fields.private_key_format === 'pkcs8' ? 'pkcs8' : 'native';
  const issued = issuer.ca.issue({
    commonName: cn,
    // Email SANs are checked as Vault does but not written: the mock's x509 module has no rfc822Name.
    dnsNames: [...new Set(dnsNames)],
    ipAddresses: ipSans,
    notBefore: new Date(req.now - role.notBeforeDuration * 1000),
    notAfter: new Date(timing.notAfter),
    keyType: role.keyType === 'any' ? 'ec' : role.keyType,
    keyBits: role.keyBits || undefined,
    usage: usageOf(role),
    privateKeyFormat,
  });
  if (!role.noStore) state.store(issued.certificate, issued.serialNumber, issuer.id);

  const caPem = issuer.ca.certificate;
  const data: Record<string, unknown> = {
    expiration: Math.floor(issued.notAfter.getTime() / 1000),
    serial_number: issued.serialNumber,
  };
  if (format === 'der') {
    Object.assign(data, {
      certificate: derBase64(issued.certificate),
      issuing_ca: derBase64(caPem),
      ca_chain: [derBase64(caPem)],
      private_key: pemBodyBase64(issued.privateKey),
    });
  } else {
    Object.assign(data, {
      certificate:
        format === 'pem' ? issued.certificate : [issued.privateKey, issued.certificate, caPem].join('\n'),
      issuing_ca: caPem,
      ca_chain: [caPem],
      private_key: issued.privateKey,
    });
  }
  data.private_key_type = issued.privateKeyType;

  const result: BackendResult = { data, warnings };
  if (role.generateLease) {
    // A lease that ends with the certificate; PKI's secret type has no renew handler.
    const ttl = Math.floor((issued.notAfter.getTime() - req.now) / 1000);
    result.secret = { ttl, renewable: false, internal: { serial_number: issued.serialNumber } };
  }
  return result;
}

/** ApplyIssuerLeafNotAfterBehavior with Vault's default `err`, then the notBefore checks. */
export function checkValidity(issuer: Issuer, notAfter: number, notBefore: number): void {
  const caNotAfter = issuer.ca.notAfter.getTime();
  if (notAfter > caNotAfter) {
    throw badRequest(
      `cannot satisfy request, as TTL would result in notAfter of ${rfc3339(notAfter)} that is beyond the expiration of the CA certificate at ${rfc3339(caNotAfter)}`,
    );
  }
  if (notAfter < notBefore) throw badRequest('notAfter before notBefore');
  if (notBefore < issuer.ca.notBefore.getTime()) throw badRequest("notBefore before signer's notBefore");
}
