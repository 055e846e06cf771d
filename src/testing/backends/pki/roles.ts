import type { RouteInput } from '../../core/routes';
import { badRequest, VaultError } from '../../core/vault-error';
import type { ROLE_FIELDS } from './fields';

export interface PkiRole {
  ttl: number;
  maxTtl: number;
  allowLocalhost: boolean;
  allowedDomains: string[];
  allowBareDomains: boolean;
  allowSubdomains: boolean;
  allowGlobDomains: boolean;
  allowWildcardCertificates: boolean;
  allowAnyName: boolean;
  allowTokenDisplayName: boolean;
  enforceHostnames: boolean;
  allowIpSans: boolean;
  serverFlag: boolean;
  clientFlag: boolean;
  keyType: 'rsa' | 'ec' | 'ed25519' | 'any';
  keyBits: number;
  signatureBits: number;
  generateLease: boolean;
  noStore: boolean;
  requireCn: boolean;
  cnValidations: string[];
  notBeforeDuration: number;
  issuerRef: string;
  organization: string[];
  ou: string[];
  useCsrCommonName: boolean;
  useCsrSans: boolean;
  allowedUriSans: string[];
}

// Vault also takes P-224; the mock's x509 module cannot sign with it, so it is refused here.
const EC_BITS = [256, 384, 521];
const RSA_BITS = [2048, 3072, 4096, 8192];

/** certutil.ValidateDefaultOrValueKeyTypeSignatureLength: fills in default bits and checks the pair. */
export function keyBitsFor(keyType: string, keyBits: number): number {
  if (keyType === 'rsa') {
    const bits = keyBits || 2048;
    if (bits < 2048) throw badRequest(`RSA keys < 2048 bits are unsafe and not supported: got ${bits}`);
    if (!RSA_BITS.includes(bits)) throw badRequest(`unsupported bit length for RSA key: ${bits}`);
    return bits;
  }
  if (keyType === 'ec') {
    const bits = keyBits || 256;
    if (!EC_BITS.includes(bits)) throw badRequest(`unsupported bit length for EC key: ${bits}`);
    return bits;
  }
  if (keyType === 'ed25519' || keyType === 'any') return 0;
  throw badRequest(`unknown key type ${keyType}`);
}

/**
 * The role Vault builds for sign-verbatim and sign-intermediate: any name, any key type, no
 * hostname rules, no lease; the caller sets what its path takes from the request or a role.
 */
export function permissiveRole(overrides: Partial<PkiRole>): PkiRole {
  return {
    ttl: 0,
    maxTtl: 0,
    allowLocalhost: true,
    allowedDomains: [],
    allowBareDomains: false,
    allowSubdomains: false,
    allowGlobDomains: false,
    allowWildcardCertificates: true,
    allowAnyName: true,
    allowTokenDisplayName: false,
    enforceHostnames: false,
    allowIpSans: true,
    serverFlag: false,
    clientFlag: false,
    keyType: 'any',
    keyBits: 0,
    signatureBits: 0,
    generateLease: false,
    noStore: false,
    requireCn: false,
    cnValidations: [],
    notBeforeDuration: 30,
    issuerRef: 'default',
    organization: [],
    ou: [],
    useCsrCommonName: true,
    useCsrSans: true,
    allowedUriSans: ['*'],
    ...overrides,
  };
}

/**
 * A role write: Vault's PKI replaces the whole role on POST (fields left out take their defaults),
 * unlike most engines; PATCH merges. Defaults from openbao/openbao:internal/builtin/logical/pki/path_roles.go.
 */
export function parseRole({ fields }: RouteInput<typeof ROLE_FIELDS>): PkiRole {
  const role: PkiRole = {
    ttl: fields.ttl,
    maxTtl: fields.max_ttl,
    allowLocalhost: fields.allow_localhost,
    allowedDomains: fields.allowed_domains,
    allowBareDomains: fields.allow_bare_domains,
    allowSubdomains: fields.allow_subdomains,
    allowGlobDomains: fields.allow_glob_domains,
    allowWildcardCertificates: fields.allow_wildcard_certificates,
    allowAnyName: fields.allow_any_name,
    allowTokenDisplayName: fields.allow_token_displayname,
    enforceHostnames: fields.enforce_hostnames,
    allowIpSans: fields.allow_ip_sans,
    serverFlag: fields.server_flag,
    clientFlag: fields.client_flag,
    keyType: fields.key_type as PkiRole['keyType'],
    keyBits: keyBitsFor(fields.key_type, fields.key_bits),
    signatureBits: fields.signature_bits,
    generateLease: fields.generate_lease,
    noStore: fields.no_store,
    requireCn: fields.require_cn,
    cnValidations: checkCnValidations(fields.cn_validations),
    notBeforeDuration: fields.not_before_duration,
    issuerRef: fields.issuer_ref || 'default',
    organization: fields.organization,
    ou: fields.ou,
    useCsrCommonName: fields.use_csr_common_name,
    useCsrSans: fields.use_csr_sans,
    allowedUriSans: fields.allowed_uri_sans,
  };
  if (role.noStore) role.generateLease = false;
  if (role.maxTtl > 0 && role.ttl > role.maxTtl)
    throw badRequest('"ttl" value must be less than "max_ttl" value');
  return role;
}

/** checkCNValidations (path_roles.go); it returns a plain error, which the core turns into a 500. */
function checkCnValidations(values: string[]): string[] {
  if (values.length === 0) return ['email', 'hostname'];
  const fail = (why: string) => VaultError.wrapped(500, `cn_validations value incorrect: ${why}`);
  const seen = new Set<string>();
  for (const raw of values) {
    const value = raw.toLowerCase();
    if (value !== 'email' && value !== 'hostname' && value !== 'disabled')
      throw fail(`unknown type: \`${raw}\``);
    if (seen.has(value)) throw fail(`\`${value}\` specified multiple times`);
    seen.add(value);
  }
  if (seen.has('disabled') && seen.size > 1) {
    throw fail('cannot specify `disabled` along with `email` or `hostname`');
  }
  return [...seen];
}

export function roleWarnings(
  { fields }: RouteInput<typeof ROLE_FIELDS>,
  role: PkiRole,
  hasDefaultIssuer: boolean,
): string[] {
  const warnings: string[] = [];
  if (!hasDefaultIssuer && role.issuerRef === 'default') {
    warnings.push(
      'Issuing Certificate was set to default, but no default issuing certificate (configurable at /config/issuers) is currently set',
    );
  }
  if (role.noStore && fields.generate_lease) {
    warnings.push(
      'mutually exclusive values no_store=true and generate_lease=true were both specified; no_store=true takes priority',
    );
  } else if (role.generateLease) {
    warnings.push(
      "it is encouraged to disable generate_lease and rely on PKI's native capabilities when possible; this option can cause instance-wide issues with large numbers of issued certificates",
    );
  }
  return warnings;
}

/** The role as Vault reads it back (ToResponseData), including fields the mock does not act on. */
export function roleData(role: PkiRole): Record<string, unknown> {
  return {
    ttl: role.ttl,
    max_ttl: role.maxTtl,
    allow_localhost: role.allowLocalhost,
    allowed_domains: role.allowedDomains,
    allowed_domains_template: false,
    allow_bare_domains: role.allowBareDomains,
    allow_token_displayname: role.allowTokenDisplayName,
    allow_subdomains: role.allowSubdomains,
    allow_glob_domains: role.allowGlobDomains,
    allow_wildcard_certificates: role.allowWildcardCertificates,
    allow_any_name: role.allowAnyName,
    allowed_uri_sans_template: false,
    enforce_hostnames: role.enforceHostnames,
    allow_ip_sans: role.allowIpSans,
    server_flag: role.serverFlag,
    client_flag: role.clientFlag,
    code_signing_flag: false,
    email_protection_flag: false,
    use_csr_common_name: role.useCsrCommonName,
    use_csr_sans: role.useCsrSans,
    key_type: role.keyType,
    key_bits: role.keyBits,
    signature_bits: role.signatureBits,
    use_pss: false,
    key_usage: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'],
    ext_key_usage: [],
    ext_key_usage_oids: [],
    ou: role.ou,
    organization: role.organization,
    country: [],
    locality: [],
    province: [],
    street_address: [],
    postal_code: [],
    generate_lease: role.generateLease,
    no_store: role.noStore,
    allowed_other_sans: [],
    allowed_serial_numbers: [],
    allowed_user_ids: [],
    allowed_uri_sans: role.allowedUriSans,
    require_cn: role.requireCn,
    cn_validations: role.cnValidations,
    policy_identifiers: [],
    basic_constraints_valid_for_non_ca: false,
    not_before_duration: role.notBeforeDuration,
    not_after: '',
    issuer_ref: role.issuerRef,
  };
}
