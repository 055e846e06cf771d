import { isIP } from 'node:net';
import { goDurationString, rfc3339 } from '../../core/go-format';
import { badRequest } from '../../core/vault-error';
import type { NameFields } from '../../x509/names';
import type { ParsedCsr } from '../../x509/parse';
import { globMatch } from '../glob';
import { validateCommonName, validateNames, WILD_HOSTNAME } from './names';
import type { PkiRole } from './roles';
import type { Issuer, PkiState } from './state';

/** The request fields every issuance reads (issue, sign, sign-verbatim, sign-intermediate). */
export interface CreationFields {
  common_name: string;
  alt_names: string;
  ip_sans: string[];
  uri_sans: string[];
  exclude_cn_from_sans: boolean;
  ttl: number;
  not_after: string;
}

/** What the certificate will say, checked against the role (GenerateCreationBundle). */
export interface Creation {
  subject: NameFields;
  dnsNames: string[];
  emails: string[];
  ipAddresses: string[];
  uris: string[];
  notBefore: number;
  notAfter: number;
  warnings: string[];
}

/** What happens to a notAfter past the issuer's (ApplyIssuerLeafNotAfterBehavior). */
export type NotAfterBehavior = 'err' | 'truncate';

type CreationRole = Pick<
  PkiRole,
  | 'ttl'
  | 'maxTtl'
  | 'requireCn'
  | 'useCsrCommonName'
  | 'useCsrSans'
  | 'allowIpSans'
  | 'allowedUriSans'
  | 'notBeforeDuration'
  | 'organization'
  | 'ou'
> &
  Parameters<typeof validateNames>[0];

/** strutil.ParseDedupAndSortStrings(alt_names, ","): split, trimmed, empty dropped, unique, sorted. */
function altNameList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
    ),
  ].sort();
}

/**
 * GenerateCreationBundle (issuing/issue_common.go): names from the request or the CSR, as the
 * role allows them, checked in Vault's order with Vault's words, then the validity period.
 */
export function generateCreation(input: {
  state: PkiState;
  role: CreationRole;
  fields: CreationFields;
  has: (name: 'alt_names') => boolean;
  csr: ParsedCsr | undefined;
  displayName: string;
  issuer: Issuer;
  now: number;
  notAfterBehavior: NotAfterBehavior;
}): Creation {
  const { role, fields, csr, displayName } = input;
  let cn = csr && role.useCsrCommonName ? csr.subject.commonName : '';
  if (cn === '') {
    cn = fields.common_name;
    if (cn === '' && role.requireCn) {
      throw badRequest(
        'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false',
      );
    }
  }
  const fromCsr = csr !== undefined && role.useCsrSans;
  const dnsNames = fromCsr ? [...csr.dnsNames] : [];
  const emails = fromCsr ? [...csr.emails] : [];
  if (cn !== '' && !fields.exclude_cn_from_sans) {
    if (cn.includes('@')) emails.push(cn);
    else if (WILD_HOSTNAME.test(cn)) dnsNames.push(cn);
  }
  if (!fromCsr && input.has('alt_names')) {
    for (const name of altNameList(fields.alt_names)) {
      if (name.includes('@')) emails.push(name);
      else if (WILD_HOSTNAME.test(name)) dnsNames.push(name);
      else
        throw badRequest(
          `subject alternate name ${name} is not a valid DNS name and cannot be included as a SAN`,
        );
    }
  }
  if (cn !== '') {
    const bad = validateCommonName(role, cn, displayName);
    if (bad) throw badRequest(`common name ${bad} not allowed by this role`);
  }
  const badDns = validateNames(role, dnsNames, displayName);
  if (badDns) throw badRequest(`subject alternate name ${badDns} not allowed by this role`);
  const badEmail = validateNames(role, emails, displayName);
  if (badEmail) throw badRequest(`email address ${badEmail} not allowed by this role`);

  const ipAddresses = fromCsr ? csrIps(role, csr) : requestIps(role, fields.ip_sans);
  const uris = fromCsr ? csrUris(role, csr) : requestUris(role, fields.uri_sans);
  const timing = notAfterOf(input);
  return {
    subject: {
      commonName: cn,
      organization: [...new Set(role.organization)],
      organizationalUnit: [...new Set(role.ou)],
    },
    dnsNames: [...new Set(dnsNames)],
    emails: [...new Set(emails)],
    ipAddresses,
    uris,
    ...timing,
  };
}

function csrIps(role: CreationRole, csr: ParsedCsr): string[] {
  if (csr.ipAddresses.length > 0 && !role.allowIpSans) {
    throw badRequest(
      'IP Subject Alternative Names are not allowed in this role, but was provided some via CSR',
    );
  }
  return csr.ipAddresses;
}

function requestIps(role: CreationRole, requested: string[]): string[] {
  const ips = requested.filter((ip) => ip !== '');
  if (ips.length > 0 && !role.allowIpSans) {
    // Go's %s of a []string.
    throw badRequest(
      `IP Subject Alternative Names are not allowed in this role, but was provided [${ips.join(' ')}]`,
    );
  }
  for (const ip of ips) if (isIP(ip) === 0) throw badRequest(`the value "${ip}" is not a valid IP address`);
  return ips;
}

const uriAllowed = (role: CreationRole, uri: string) =>
  role.allowedUriSans.some((pattern) => globMatch(pattern, uri));

function csrUris(role: CreationRole, csr: ParsedCsr): string[] {
  if (csr.uris.length === 0) return [];
  if (role.allowedUriSans.length === 0) {
    throw badRequest('URI Subject Alternative Names are not allowed in this role, but were provided via CSR');
  }
  if (!csr.uris.every((uri) => uriAllowed(role, uri))) {
    throw badRequest('URI Subject Alternative Names were provided via CSR which are not valid for this role');
  }
  return csr.uris;
}

function requestUris(role: CreationRole, requested: string[]): string[] {
  const uris = requested.filter((uri) => uri !== '');
  if (uris.length === 0) return [];
  if (role.allowedUriSans.length === 0) {
    throw badRequest(
      'URI Subject Alternative Names are not allowed in this role, but were provided via the API',
    );
  }
  if (!uris.every((uri) => uriAllowed(role, uri))) {
    throw badRequest(
      'URI Subject Alternative Names were provided via the API which are not valid for this role',
    );
  }
  return uris;
}

/** The TTL part of GetCertificateNotAfter: request, else role, else mount default; capped at the max. */
export function cappedTtl(
  state: PkiState,
  requested: number,
  role: Pick<PkiRole, 'ttl' | 'maxTtl'>,
): { ttl: number; warnings: string[] } {
  const warnings: string[] = [];
  let ttl = requested || role.ttl || state.mountDefaultTtl;
  const maxTtl = role.maxTtl || state.mountMaxTtl;
  if (ttl > maxTtl) {
    warnings.push(
      `TTL "${goDurationString(ttl)}" is longer than permitted maxTTL "${goDurationString(maxTtl)}", so maxTTL is being used`,
    );
    ttl = maxTtl;
  }
  return { ttl, warnings };
}

/**
 * GetCertificateNotAfter: request ttl (or not_after), else role ttl, else the mount default;
 * capped at the role's or the mount's max; then the issuer's notAfter and the notBefore checks.
 */
function notAfterOf(input: {
  state: PkiState;
  role: CreationRole;
  fields: CreationFields;
  issuer: Issuer;
  now: number;
  notAfterBehavior: NotAfterBehavior;
}): { notAfter: number; notBefore: number; warnings: string[] } {
  const { state, role, fields, now } = input;
  if (fields.ttl > 0 && fields.not_after !== '') {
    throw badRequest(
      'Either ttl or not_after should be provided. Both should not be provided in the same request.',
    );
  }
  const { ttl, warnings } = cappedTtl(state, fields.ttl, role);
  let notAfter = now + ttl * 1000;
  if (fields.not_after !== '') {
    notAfter = Date.parse(fields.not_after);
    if (
      !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(fields.not_after) ||
      Number.isNaN(notAfter)
    ) {
      throw badRequest(`parsing time "${fields.not_after}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
    }
  }
  const caNotAfter = input.issuer.parsed.notAfter.getTime();
  if (notAfter > caNotAfter) {
    if (input.notAfterBehavior === 'truncate') notAfter = caNotAfter;
    else
      throw badRequest(
        `cannot satisfy request, as TTL would result in notAfter of ${rfc3339(notAfter)} that is beyond the expiration of the CA certificate at ${rfc3339(caNotAfter)}`,
      );
  }
  const notBefore = now - role.notBeforeDuration * 1000;
  if (notAfter < notBefore) throw badRequest('notAfter before notBefore');
  if (notBefore < input.issuer.parsed.notBefore.getTime())
    throw badRequest("notBefore before signer's notBefore");
  return { notAfter, notBefore, warnings };
}
