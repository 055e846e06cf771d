import { field } from '../../core/fields';

/*
 * The PKI engine's field sets, as builtin/logical/pki/fields.go composes them: the mock acts on
 * some of these fields and accepts the rest without the unknown-field warning, as Vault does.
 */

/** addIssueAndSignCommonFields. */
export const ISSUE_AND_SIGN_COMMON = {
  exclude_cn_from_sans: field(
    'bool',
    'If true, the Common Name will not be included in DNS or Email SANs.',
    false,
  ),
  format: field('string', 'Format for returned data: "pem", "der" or "pem_bundle".', 'pem'),
  private_key_format: field('string', 'Format for the returned private key: "der", "pem" or "pkcs8".', 'der'),
  ip_sans: field('commaStringSlice', 'The requested IP SANs, if any, in a comma-delimited list'),
  uri_sans: field('commaStringSlice', 'The requested URI SANs, if any, in a comma-delimited list.'),
  other_sans: field(
    'commaStringSlice',
    'Requested other SANs, in an array with the format <oid>;UTF8:<utf8 string value>.',
  ),
} as const;

/** addNonCACommonFields: issue and sign against a role. */
export const NON_CA_COMMON = {
  ...ISSUE_AND_SIGN_COMMON,
  role: field('string', 'The desired role with configuration for this request'),
  common_name: field(
    'string',
    'The requested common name; if you want more than one, specify the alternative names in the alt_names map.',
  ),
  alt_names: field('string', 'The requested Subject Alternative Names, if any, in a comma-delimited list.'),
  serial_number: field('string', "The Subject's requested serial number, if any."),
  ttl: field('duration', 'The requested Time To Live for the certificate; sets the expiration date.'),
  not_after: field('string', 'Set the not after field of the certificate with specified date value.'),
  remove_roots_from_chain: field(
    'bool',
    'Whether or not to remove self-signed CA certificates in the output of the ca_chain field.',
    false,
  ),
  user_ids: field('commaStringSlice', 'The requested user_ids value to place in the subject.'),
} as const;

/** addCACommonFields: roots and intermediates. */
export const CA_COMMON = {
  ...ISSUE_AND_SIGN_COMMON,
  alt_names: field('string', 'The requested Subject Alternative Names, if any, in a comma-delimited list.'),
  common_name: field('string', 'The requested common name.'),
  ttl: field('duration', 'The requested Time To Live for the certificate.'),
  ou: field('commaStringSlice', 'If set, OU (OrganizationalUnit) will be set to this value.'),
  organization: field('commaStringSlice', 'If set, O (Organization) will be set to this value.'),
  country: field('commaStringSlice', 'If set, Country will be set to this value.'),
  locality: field('commaStringSlice', 'If set, Locality will be set to this value.'),
  province: field('commaStringSlice', 'If set, Province will be set to this value.'),
  street_address: field('commaStringSlice', 'If set, Street Address will be set to this value.'),
  postal_code: field('commaStringSlice', 'If set, Postal Code will be set to this value.'),
  serial_number: field('string', "The Subject's requested serial number, if any."),
  not_after: field('string', 'Set the not after field of the certificate with specified date value.'),
  not_before_duration: field(
    'duration',
    'The duration before now which the certificate needs to be backdated by.',
    30,
  ),
} as const;

/** addCAKeyGenerationFields with the key name and reference. */
export const CA_KEY_GENERATION = {
  exported: field('string', 'Must be "internal", "exported" or "kms".'),
  key_bits: field('int', 'The number of bits to use.', 0),
  signature_bits: field('int', 'The number of bits to use in the signature algorithm.', 0),
  use_pss: field('bool', 'Whether or not to use PSS signatures when using a RSA key-type issuer.', false),
  key_type: field('string', 'The type of key to use; defaults to RSA.', 'rsa'),
  managed_key_name: field('string', 'The name of the managed key to use when the exported type is kms.'),
  managed_key_id: field('string', 'The id of the managed key to use when the exported type is kms.'),
  key_name: field('string', 'Provide a name to the generated or existing key.'),
  key_ref: field('string', 'Reference to an existing key.', 'default'),
} as const;

/** addCAIssueFields. */
export const CA_ISSUE = {
  max_path_length: field('int', 'The maximum allowable path length', -1),
  permitted_dns_domains: field(
    'commaStringSlice',
    'Domains for which this certificate is allowed to sign or issue child certificates.',
  ),
} as const;

/** `root/generate/:exported` and `intermediate/generate/:exported`. */
export const ROOT_GENERATE_FIELDS = {
  ...CA_COMMON,
  ...CA_KEY_GENERATION,
  ...CA_ISSUE,
  issuer_name: field('string', 'Provide a name to the generated or existing issuer.'),
} as const;

/** `issue/:role`, with the key type and size a role of type "any" needs from the request. */
export const ISSUE_FIELDS = {
  ...NON_CA_COMMON,
  key_type: field('string', 'The type of key to use, for roles of key_type "any".', 'rsa'),
  key_bits: field('int', 'The number of bits to use, for roles of key_type "any".', 0),
} as const;

/** A leaf's key usages, on roles and on sign-verbatim. */
const KEY_USAGE_FIELDS = {
  key_usage: field(
    'commaStringSlice',
    'A comma-separated string or list of key usages (not extended key usages).',
    ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'],
  ),
  ext_key_usage: field('commaStringSlice', 'A comma-separated string or list of extended key usages.', []),
  ext_key_usage_oids: field(
    'commaStringSlice',
    'A comma-separated string or list of extended key usage oids.',
  ),
} as const;

/** `sign/:role` (buildPathSign). */
export const SIGN_FIELDS = {
  ...NON_CA_COMMON,
  csr: field('string', 'PEM-format CSR to be signed.', ''),
} as const;

/** `sign-verbatim` and `sign-verbatim/:role` (buildPathIssuerSignVerbatim). */
export const SIGN_VERBATIM_FIELDS = {
  ...SIGN_FIELDS,
  ...KEY_USAGE_FIELDS,
} as const;

/** `intermediate/generate/:exported` (buildPathGenerateIntermediate): no PSS, no issue fields. */
export const INTERMEDIATE_GENERATE_FIELDS = {
  ...CA_COMMON,
  ...CA_KEY_GENERATION,
  add_basic_constraints: field('bool', 'Whether to add a Basic Constraints extension with CA: true.'),
} as const;

/** `root/sign-intermediate` (pathSignIntermediate): CA fields, the CSR and how to read it. */
export const SIGN_INTERMEDIATE_FIELDS = {
  ...CA_COMMON,
  ...CA_ISSUE,
  csr: field('string', 'PEM-format CSR to be signed.', ''),
  use_csr_values: field(
    'bool',
    'If true, then: 1) Subject information, including names and alternate names, will be preserved from the CSR rather than using values provided in the other parameters to this path; 2) Any key usages requested in the CSR will be added to the basic set of key usages used for CA certs signed by this path.',
    false,
  ),
  issuer_ref: field(
    'string',
    'Reference to a existing issuer; either "default" for the configured default issuer, an identifier or the name assigned to the issuer.',
    'default',
  ),
  signature_bits: field('int', 'The number of bits to use in the signature algorithm.', 0),
  use_pss: field('bool', 'Whether or not to use PSS signatures when using a RSA key-type issuer.', false),
  skid: field('string', 'Value for the Subject Key Identifier field (RFC 5280 Section 4.2.1.2).', ''),
  key_usage: field('commaStringSlice', 'Specifies key_usage to encode in the certificate signed.', [
    'CRLSign',
    'CertSign',
  ]),
  enforce_leaf_not_after_behavior: field(
    'bool',
    "Do not truncate the NotAfter field, use the issuer's configured leaf_not_after_behavior",
    false,
  ),
} as const;

/** `intermediate/set-signed`: the signed certificate, possibly followed by its parents. */
export const SET_SIGNED_FIELDS = {
  certificate: field(
    'string',
    'PEM-format certificate. This must be a CA certificate with a public key matching the previously-generated key from the generation endpoint. Additional parent CAs may be optionally appended to the bundle.',
  ),
} as const;

/** `config/ca` and `issuers/import/(cert|bundle)`. */
export const IMPORT_BUNDLE_FIELDS = {
  pem_bundle: field('string', 'PEM-format, concatenated unencrypted secret key and certificates.'),
} as const;

/** path_roles.go. */
export const ROLE_FIELDS = {
  name: field('string', 'Name of the role'),
  backend: field('string', 'Backend Type'),
  ttl: field(
    'duration',
    'The lease duration (validity period of the certificate) if no specific lease duration is requested.',
  ),
  max_ttl: field('duration', 'The maximum allowed lease duration.'),
  allow_localhost: field(
    'bool',
    'Whether to allow "localhost" and "localdomain" as a valid common name in a request.',
    true,
  ),
  allowed_domains: field(
    'commaStringSlice',
    'Specifies the domains this role is allowed to issue certificates for.',
  ),
  allowed_domains_template: field(
    'bool',
    'If set, Allowed domains can be specified using identity template policies.',
    false,
  ),
  allow_globs_in_identity_templates: field('bool', 'If set, identity templates may contain globs.', false),
  allow_bare_domains: field(
    'bool',
    'If set, clients can request certificates for the base domains themselves.',
  ),
  allow_subdomains: field(
    'bool',
    'If set, clients can request certificates for subdomains of the allowed domains.',
  ),
  allow_glob_domains: field(
    'bool',
    'If set, domains specified in allowed_domains can include shell-style glob patterns.',
  ),
  allow_wildcard_certificates: field(
    'bool',
    'If set, allows certificates with wildcards in the common name to be issued.',
    true,
  ),
  allow_token_displayname: field('bool', 'Whether to allow the token display name as a common name.'),
  allow_any_name: field(
    'bool',
    'If set, clients can request certificates for any domain, regardless of allowed_domains restrictions.',
  ),
  enforce_hostnames: field('bool', 'If set, only valid host names are allowed for CN and DNS SANs.', true),
  allow_ip_sans: field('bool', 'If set, IP Subject Alternative Names are allowed.', true),
  allowed_ip_sans_cidr: field('commaStringSlice', 'CIDRs IP SANs must be within.'),
  allowed_uri_sans: field(
    'commaStringSlice',
    'If set, an array of allowed URIs for URI Subject Alternative Names.',
  ),
  allowed_uri_sans_template: field(
    'bool',
    'If set, Allowed URI SANs can be specified using identity template policies.',
    false,
  ),
  allowed_other_sans: field('commaStringSlice', 'If set, an array of allowed other names to put in SANs.'),
  allowed_serial_numbers: field(
    'commaStringSlice',
    'If set, an array of allowed serial numbers to put in Subject.',
  ),
  allowed_user_ids: field(
    'commaStringSlice',
    'If set, an array of allowed user-ids to put in user system login name.',
  ),
  server_flag: field('bool', 'If set, certificates are flagged for server auth use.', true),
  client_flag: field('bool', 'If set, certificates are flagged for client auth use.', true),
  code_signing_flag: field('bool', 'If set, certificates are flagged for code signing use.'),
  email_protection_flag: field('bool', 'If set, certificates are flagged for email protection use.'),
  key_type: field('string', 'The type of key to use; defaults to RSA.', 'rsa'),
  key_bits: field('int', 'The number of bits to use.', 0),
  signature_bits: field('int', 'The number of bits to use in the signature algorithm.', 0),
  use_pss: field('bool', 'Whether or not to use PSS signatures when using a RSA key-type issuer.', false),
  ...KEY_USAGE_FIELDS,
  use_csr_common_name: field(
    'bool',
    'If set, when used with a signing profile, the common name in the CSR will be used.',
    true,
  ),
  use_csr_sans: field(
    'bool',
    'If set, when used with a signing profile, the SANs in the CSR will be used.',
    true,
  ),
  ou: field(
    'commaStringSlice',
    'If set, OU (OrganizationalUnit) will be set to this value in certificates issued by this role.',
  ),
  organization: field(
    'commaStringSlice',
    'If set, O (Organization) will be set to this value in certificates issued by this role.',
  ),
  country: field(
    'commaStringSlice',
    'If set, Country will be set to this value in certificates issued by this role.',
  ),
  locality: field(
    'commaStringSlice',
    'If set, Locality will be set to this value in certificates issued by this role.',
  ),
  province: field(
    'commaStringSlice',
    'If set, Province will be set to this value in certificates issued by this role.',
  ),
  street_address: field('commaStringSlice', 'If set, Street Address will be set to this value.'),
  postal_code: field('commaStringSlice', 'If set, Postal Code will be set to this value.'),
  generate_lease: field(
    'bool',
    'If set, certificates issued/signed against this role will have Vault leases attached to them.',
  ),
  no_store: field(
    'bool',
    'If set, certificates issued/signed against this role will not be stored in the storage backend.',
  ),
  require_cn: field(
    'bool',
    "If set to false, makes the 'common_name' field optional while generating a certificate.",
    true,
  ),
  cn_validations: field(
    'commaStringSlice',
    'List of allowed validations to run against the Common Name field.',
    ['email', 'hostname'],
  ),
  policy_identifiers: field('commaStringSlice', 'A comma-separated string or list of policy OIDs.'),
  basic_constraints_valid_for_non_ca: field(
    'bool',
    'Mark Basic Constraints valid when issuing non-CA certificates.',
  ),
  not_before_duration: field(
    'duration',
    'The duration before now which the certificate needs to be backdated by.',
    30,
  ),
  not_after: field('string', 'Set the not after field of the certificate with specified date value.'),
  issuer_ref: field(
    'string',
    'Reference to the issuer used to sign requests serviced by this role.',
    'default',
  ),
} as const;

/** `revoke`. */
export const REVOKE_FIELDS = {
  serial_number: field('string', 'Certificate serial number, in colon- or hyphen-separated octal'),
  certificate: field(
    'string',
    'Certificate to revoke in PEM format; must be signed by an issuer in this mount.',
  ),
} as const;

/** `cert/:serial` and its raw forms. */
export const FETCH_FIELDS = {
  serial: field('string', 'Certificate serial number, in colon- or hyphen-separated octal'),
} as const;
