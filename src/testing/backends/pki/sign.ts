import type { RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest } from '../../core/vault-error';
import * as der from '../../x509/der';
import { EXT } from '../../x509/extensions';
import { describeKey } from '../../x509/keys';
import { type ParsedCsr, parseCsr } from '../../x509/parse';
import { type Creation, type CreationFields, generateCreation, type NotAfterBehavior } from './creation';
import type { SIGN_FIELDS, SIGN_VERBATIM_FIELDS } from './fields';
import { formatOf, leafResult, usageOf } from './issue';
import { type PkiRole, permissiveRole } from './roles';
import type { Issuer, PkiState } from './state';

/**
 * The CSR from the `csr` field as signCert reads it (cert_util.go): the first PEM block of any
 * label, parsed as PKCS#10. Go's parser words its failures in many ways; the mock gives one.
 */
export function csrFrom(text: string): ParsedCsr {
  if (text === '') throw badRequest('"csr" is empty');
  const block = der.firstPemBlock(text);
  if (!block) throw badRequest('csr contains no data');
  let csr: ParsedCsr;
  try {
    csr = parseCsr(block.der);
  } catch {
    throw badRequest('certificate request could not be parsed: x509: malformed certificate request');
  }
  if (!csr.publicKey || !describeKey(csr.publicKey)) {
    throw badRequest(
      'Refusing to sign CSR with empty PublicKey. This usually means the SubjectPublicKeyInfo field has an OID not recognized by Go, such as 1.2.840.113549.1.1.10 for rsaPSS.',
    );
  }
  return csr;
}

/** SignCert's key checks (issuing/sign_cert.go): the role's key type, then the minimum sizes. */
export function checkCsrKey(role: Pick<PkiRole, 'keyType' | 'keyBits'>, csr: ParsedCsr): void {
  const key = csr.publicKey ? describeKey(csr.publicKey) : undefined;
  if (!key) throw badRequest("could not parse CSR's public key");
  if (role.keyType !== 'any' && key.type !== role.keyType) {
    throw badRequest(`role requires keys of type ${role.keyType}`);
  }
  if (role.keyType === 'any' && key.type === 'rsa' && key.bits < 2048) {
    throw badRequest('RSA keys < 2048 bits are unsafe and not supported');
  }
  // With "any", the minimums are Vault's own: 2048-bit RSA, P-224 for EC.
  const minimum =
    role.keyType === 'any' ? (key.type === 'ec' ? 224 : key.type === 'rsa' ? 2048 : 0) : role.keyBits;
  if ((key.type === 'rsa' || key.type === 'ec') && key.bits < minimum) {
    throw badRequest(`role requires a minimum of a ${minimum}-bit key, but CSR's key is ${key.bits} bits`);
  }
  if (key.type === 'rsa' && key.bits < 2048) {
    throw badRequest(`Vault requires a minimum of a 2048-bit key, but CSR's key is ${key.bits} bits`);
  }
  // The mock's x509 module signs for P-256, P-384 and P-521 keys; Go would sign P-224 too.
  if (key.type === 'ec' && key.bits === 224) throw badRequest('the mock Vault cannot sign for P-224 keys');
}

/**
 * signCert's steps for any CSR: read it, check its key against the role, build what the
 * certificate will say, and only then check the CSR's own signature (certutil's signCertificate).
 */
export function csrCreation(input: {
  state: PkiState;
  req: BackendRequest;
  role: PkiRole;
  fields: CreationFields & { csr: string };
  has: (name: 'alt_names') => boolean;
  issuer: Issuer;
  notAfterBehavior: NotAfterBehavior;
}): { csr: ParsedCsr; creation: Creation } {
  const csr = csrFrom(input.fields.csr);
  checkCsrKey(input.role, csr);
  const creation = generateCreation({
    ...input,
    csr,
    displayName: input.req.token?.displayName ?? '',
    now: input.req.now,
  });
  if (!csr.signatureValid) throw badRequest('request signature invalid');
  return { csr, creation };
}

type SignInput = RouteInput<typeof SIGN_FIELDS> | RouteInput<typeof SIGN_VERBATIM_FIELDS>;

/**
 * pathIssueSignCert with a CSR (path_issue_sign.go): role, format, issuer, CSR and key checks,
 * names (from the CSR as far as the role says), the CSR's own signature last, then the answer.
 * `verbatim` takes the CSR's subject, SANs and extensions as they are (sign-verbatim).
 */
function signCsr(
  state: PkiState,
  req: BackendRequest,
  { fields, has }: SignInput,
  role: PkiRole,
  verbatim: boolean,
): BackendResult {
  const format = formatOf(fields.format);
  const issuer = state.signingIssuer(role.issuerRef);
  const { csr, creation } = csrCreation({ state, req, role, fields, has, issuer, notAfterBehavior: 'err' });
  const warnings = [...creation.warnings];
  const basicConstraints = csr.extensions.some((e) => e.oid === EXT.basicConstraints);
  if (basicConstraints) {
    warnings.push('specified CSR contained a Basic Constraints extension that was ignored during issuance');
  }
  const validity = { notBefore: new Date(creation.notBefore), notAfter: new Date(creation.notAfter) };
  const signed = verbatim
    ? issuer.ca.sign({
        spki: csr.spki,
        subject: csr.subject.raw,
        dnsNames: csr.dnsNames,
        emails: csr.emails,
        ipAddresses: csr.ipAddresses,
        uris: csr.uris,
        ...validity,
        // Extended key usages come from ext_key_usage, or from the CSR's own extension.
        usage: 'none',
        extraExtensions: csr.extensions.filter((e) => e.oid !== EXT.basicConstraints),
      })
    : issuer.ca.sign({
        spki: csr.spki,
        subject: creation.subject,
        dnsNames: creation.dnsNames,
        emails: creation.emails,
        ipAddresses: creation.ipAddresses,
        uris: creation.uris,
        ...validity,
        usage: usageOf(role),
      });
  const result = leafResult(state, req, { signed, issuer, format, role, warnings });
  if (role.useCsrCommonName && fields.common_name !== '') {
    result.warnings?.push(
      'the common_name field was provided but the role is set with "use_csr_common_name" set to true',
    );
  }
  if (role.useCsrSans && fields.alt_names !== '') {
    result.warnings?.push(
      'the alt_names field was provided but the role is set with "use_csr_sans" set to true',
    );
  }
  return result;
}

/** `sign/:role`: the role's rules apply. */
export function signCertificate(
  state: PkiState,
  req: BackendRequest,
  input: RouteInput<typeof SIGN_FIELDS>,
  roleName: string,
): BackendResult {
  const role = state.roles.get(roleName);
  if (!role) throw badRequest(`unknown role: ${roleName}`);
  return signCsr(state, req, input, role, false);
}

/**
 * `sign-verbatim(/:role)` (pathSignVerbatim): any name, any key type, the CSR's values kept; a
 * role, when named, lends only its TTLs, lease, storage and issuer.
 */
export function signVerbatim(
  state: PkiState,
  req: BackendRequest,
  input: RouteInput<typeof SIGN_VERBATIM_FIELDS>,
  roleName: string,
): BackendResult {
  const named = roleName === '' ? undefined : state.roles.get(roleName);
  if (roleName !== '' && !named) throw badRequest(`unknown role: ${roleName}`);
  const role = permissiveRole({
    ttl: named?.ttl ?? 0,
    maxTtl: named?.maxTtl ?? 0,
    generateLease: named?.generateLease ?? false,
    noStore: named?.noStore ?? false,
    issuerRef: named?.issuerRef || 'default',
  });
  return signCsr(state, req, input, role, true);
}
