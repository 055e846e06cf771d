import { createPrivateKey, createPublicKey } from 'node:crypto';
import { type DeclaredRoute, defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest, unsupportedPath, VaultError } from '../../core/vault-error';
import { CertificateAuthority } from '../../x509/certificates';
import { createCsr } from '../../x509/csr';
import * as der from '../../x509/der';
import { EXT } from '../../x509/extensions';
import { exportPrivateKey, generateKey, type KeyPair, type KeyType, keyPairOf } from '../../x509/keys';
import { cappedTtl } from './creation';
import {
  IMPORT_BUNDLE_FIELDS,
  INTERMEDIATE_GENERATE_FIELDS,
  ROOT_GENERATE_FIELDS,
  SET_SIGNED_FIELDS,
  SIGN_INTERMEDIATE_FIELDS,
} from './fields';
import { type CertFormat, formatOf } from './issue';
import { keyBitsFor, permissiveRole } from './roles';
import { csrCreation } from './sign';
import { derBase64, type PkiState, pemBodyBase64 } from './state';

const AIA_WARNING =
  "This mount hasn't configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information.";
const INTERMEDIATE_AIA_WARNING = `${AIA_WARNING} Since this certificate is an intermediate, it might be useful to regenerate this certificate after fixing this problem for the root mount.`;
const TRUNCATED_WARNING =
  "the signed intermediary CA certificate's notAfter was truncated to the issuer's notAfter";

/** getGenerationParams: `exported`, the format and the key, refused in Vault's words. */
function generationParams(fields: { exported: string; format: string; key_type: string; key_bits: number }): {
  exported: boolean;
  format: CertFormat;
  keyType: KeyType;
  keyBits: number;
} {
  const exported = fields.exported;
  if (!['internal', 'exported', 'existing', 'kms'].includes(exported)) {
    // Vault's own string, unbalanced quote included.
    throw badRequest('the "exported" path parameter must be "internal", "existing", exported" or "kms"');
  }
  // Reusing a stored key or a managed key is beyond the mock; strict mode reports it.
  if (exported === 'existing' || exported === 'kms') throw unsupportedPath();
  const format = formatOf(fields.format);
  const keyBits = keyBitsFor(fields.key_type, fields.key_bits);
  if (fields.key_type === 'any') throw badRequest('unknown key type any');
  return { exported: exported === 'exported', format, keyType: fields.key_type as KeyType, keyBits };
}

const urlsConfigured = (state: PkiState) =>
  state.urls.issuingCertificates.length +
    state.urls.crlDistributionPoints.length +
    state.urls.ocspServers.length >
  0;

/** The exported key in the format asked (`private_key_format`: der means the key's own format). */
function exportedKey(key: KeyPair, format: CertFormat, privateKeyFormat: string): string {
  const pem = exportPrivateKey(key, privateKeyFormat === 'pkcs8' ? 'pkcs8' : 'native');
  return format === 'der' ? pemBodyBase64(pem) : pem;
}

/** Roots, intermediates and imported CAs (path_root.go, path_intermediate.go, path_manage_issuers.go). */
export function authorityRoutes(state: PkiState): DeclaredRoute[] {
  const generateRoot = (
    req: BackendRequest,
    { fields, has }: RouteInput<typeof ROOT_GENERATE_FIELDS>,
  ): BackendResult => {
    const { exported, format, keyType, keyBits } = generationParams(fields);
    const commonName = fields.common_name;
    // Vault would sign a root with an empty subject (and warn); the mock's x509 module needs a CN.
    if (commonName === '') throw badRequest('the common_name field is required for the mock Vault');
    const maxPathLen = has('max_path_length') ? fields.max_path_length : -1;
    if (maxPathLen < -1) {
      throw badRequest(
        `requested max_path_length ${maxPathLen} is invalid: must be a non-negative integer or -1 for no constraint`,
      );
    }
    const { ttl, warnings } = cappedTtl(state, fields.ttl, { ttl: 0, maxTtl: 0 });
    const pair = generateKey(keyType, keyBits || undefined);
    const ca = CertificateAuthority.create({
      commonName,
      notBefore: new Date(req.now - fields.not_before_duration * 1000),
      notAfter: new Date(req.now + ttl * 1000),
      key: pair,
      maxPathLen,
    });
    const { key } = state.importKey(pair, fields.key_name);
    const { issuer } = importIssuerOrFail(state, der.firstPemBlock(ca.certificate)?.der, fields.issuer_name);
    state.store(ca.certificate, ca.serialNumber, issuer.id);
    const data: Record<string, unknown> = {
      expiration: Math.floor(ca.notAfter.getTime() / 1000),
      serial_number: ca.serialNumber,
      certificate: format === 'der' ? derBase64(ca.certificate) : ca.certificate,
      issuing_ca: format === 'der' ? derBase64(ca.certificate) : ca.certificate,
      issuer_id: issuer.id,
      issuer_name: issuer.name,
      key_id: key.id,
      key_name: key.name,
    };
    if (exported) {
      const privateKey = exportedKey(pair, format, fields.private_key_format);
      data.private_key = privateKey;
      data.private_key_type = pair.type;
      if (format === 'pem_bundle') data.certificate = `${privateKey}\n${ca.certificate}`;
    }
    if (!urlsConfigured(state)) warnings.push(AIA_WARNING);
    if (maxPathLen === 0) {
      warnings.push(
        'Max path length of the generated certificate is zero. This certificate cannot be used to issue intermediate CA certificates.',
      );
    }
    return { data, warnings };
  };

  const generateIntermediate = (
    _req: BackendRequest,
    { fields }: RouteInput<typeof INTERMEDIATE_GENERATE_FIELDS>,
  ): BackendResult => {
    const { exported, format, keyType, keyBits } = generationParams(fields);
    const pair = generateKey(keyType, keyBits || undefined);
    const altNames = fields.alt_names
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    const csr = createCsr({
      key: pair,
      subject: {
        commonName: fields.common_name,
        serialNumber: fields.serial_number,
        organization: fields.organization,
        organizationalUnit: fields.ou,
        country: fields.country,
        locality: fields.locality,
        province: fields.province,
        streetAddress: fields.street_address,
        postalCode: fields.postal_code,
      },
      dnsNames: altNames.filter((n) => !n.includes('@')),
      emails: altNames.filter((n) => n.includes('@')),
      ipAddresses: fields.ip_sans.filter((ip) => ip !== ''),
      uris: fields.uri_sans.filter((uri) => uri !== ''),
      basicConstraintsCa: fields.add_basic_constraints,
    });
    const { key } = state.importKey(pair, fields.key_name);
    const data: Record<string, unknown> = {
      csr: format === 'der' ? pemBodyBase64(csr) : csr,
      key_id: key.id,
    };
    if (exported) {
      const privateKey = exportedKey(pair, format, fields.private_key_format);
      data.private_key = privateKey;
      data.private_key_type = pair.type;
      if (format === 'pem_bundle') data.csr = `${privateKey}\n${csr}`;
    }
    return { data, warnings: urlsConfigured(state) ? [] : [INTERMEDIATE_AIA_WARNING] };
  };

  const signIntermediate = (
    req: BackendRequest,
    { fields, has }: RouteInput<typeof SIGN_INTERMEDIATE_FIELDS>,
  ): BackendResult => {
    if (fields.issuer_ref === '') throw badRequest('missing issuer reference');
    if (!['pem', 'der', 'pem_bundle'].includes(fields.format)) {
      throw badRequest('The "format" path parameter must be "pem", "der" or "pem_bundle"');
    }
    const format = fields.format as CertFormat;
    const issuer = state.signingIssuer(fields.issuer_ref);
    const parentMax = issuer.parsed.maxPathLen;
    let maxPathLen = parentMax < 0 ? -1 : Math.max(parentMax - 1, 0);
    if (has('max_path_length')) {
      maxPathLen = fields.max_path_length;
      if (maxPathLen < -1) {
        throw badRequest(
          `requested max_path_length ${maxPathLen} is invalid: must be a non-negative integer or -1 for no constraint`,
        );
      }
      if (parentMax >= 0 && (maxPathLen < 0 || maxPathLen >= parentMax)) {
        throw badRequest(
          `requested max_path_length ${maxPathLen} is not allowed: the signing CA has a pathLenConstraint of ${parentMax}, so the intermediate's pathLenConstraint must be a non-negative value less than ${parentMax}`,
        );
      }
    }
    // The role pathIssuerSignIntermediate builds: any name, any key, the CSR's CN when none is given.
    const role = permissiveRole({
      signatureBits: fields.signature_bits,
      cnValidations: ['disabled'],
      notBeforeDuration: fields.not_before_duration,
      issuerRef: fields.issuer_ref,
      organization: fields.organization,
      ou: fields.ou,
      useCsrCommonName: fields.common_name === '',
      useCsrSans: false,
    });
    const { csr, creation } = csrCreation({
      state,
      req,
      role,
      fields,
      has,
      issuer,
      notAfterBehavior: fields.enforce_leaf_not_after_behavior ? 'err' : 'truncate',
    });
    if (parentMax === 0) {
      throw badRequest(
        'signing certificate has a max path length of zero, and cannot issue further CA certificates',
      );
    }
    const signed = issuer.ca.sign({
      spki: csr.spki,
      ...(fields.use_csr_values
        ? {
            subject: csr.subject.raw,
            dnsNames: csr.dnsNames,
            emails: csr.emails,
            ipAddresses: csr.ipAddresses,
            uris: csr.uris,
            extraExtensions: csr.extensions.filter((e) => e.oid !== EXT.basicConstraints),
          }
        : {
            subject: creation.subject,
            dnsNames: creation.dnsNames,
            emails: creation.emails,
            ipAddresses: creation.ipAddresses,
            uris: creation.uris,
          }),
      notBefore: new Date(creation.notBefore),
      notAfter: new Date(creation.notAfter),
      ca: { maxPathLen },
    });
    state.store(signed.certificate, signed.serialNumber, issuer.id);
    const chain = [signed.certificate, ...state.chainOf(issuer)];
    const asDer = format === 'der';
    const data: Record<string, unknown> = {
      expiration: Math.floor(signed.notAfter.getTime() / 1000),
      serial_number: signed.serialNumber,
      certificate: asDer
        ? derBase64(signed.certificate)
        : format === 'pem'
          ? signed.certificate
          : chain.join('\n'),
      issuing_ca: asDer ? derBase64(issuer.certificate) : issuer.certificate,
      ca_chain: asDer ? chain.map(derBase64) : chain,
    };
    const warnings = [...creation.warnings];
    if (!urlsConfigured(state)) warnings.push(AIA_WARNING);
    if (maxPathLen === 0) {
      warnings.push(
        'Max path length of the signed certificate is zero. This CA certificate cannot be used to issue intermediate CA certificates.',
      );
    }
    if (!fields.enforce_leaf_not_after_behavior && creation.notAfter === issuer.parsed.notAfter.getTime()) {
      warnings.push(TRUNCATED_WARNING);
    }
    return { data, warnings };
  };

  const importIssuers = (path: string, pemBundle: string, certificate: string): BackendResult => {
    let keysAllowed = path.endsWith('bundle') || path === 'config/ca';
    if (pemBundle === '' && certificate === '') {
      throw badRequest("'pem_bundle' and 'certificate' parameters were empty");
    }
    if (pemBundle !== '' && certificate !== '') {
      throw badRequest("'pem_bundle' and 'certificate' parameters were both provided");
    }
    let bundle = pemBundle;
    if (certificate !== '') {
      keysAllowed = false;
      bundle = certificate;
    }
    if (bundle.length < 75) {
      throw badRequest(
        'provided data for import was too short; perhaps a path was passed to the API rather than the contents of a PEM file',
      );
    }
    const { blocks, trailing } = der.pemBlocks(bundle);
    if (trailing !== '' || blocks.length === 0) throw badRequest('provided PEM block contained no data');
    const certs = blocks.filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE');
    const ignored = new Set([
      'CERTIFICATE',
      'X509 CERTIFICATE',
      'CRL',
      'X509 CRL',
      'EC PARAMS',
      'EC PARAMETERS',
    ]);
    const keys = blocks.filter((b) => !ignored.has(b.label));
    if (keys.length > 0 && !keysAllowed) {
      throw badRequest(
        'private keys found in the PEM bundle but not allowed by the path; use /issuers/import/bundle',
      );
    }
    const importedKeys: string[] = [];
    const existingKeys: string[] = [];
    for (const [index, block] of keys.entries()) {
      const pair = keyFromPem(block.label, block.der, index);
      const { key, existing } = state.importKey(pair, '');
      (existing ? existingKeys : importedKeys).push(key.id);
    }
    const mapping: Record<string, string> = {};
    const importedIssuers: string[] = [];
    const existingIssuers: string[] = [];
    for (const [index, block] of certs.entries()) {
      let result: ReturnType<PkiState['importIssuer']>;
      try {
        result = state.importIssuer(block.der, '');
      } catch (error) {
        throw badRequest(
          `Error parsing issuer ${index}: ${(error as Error).message}\n${der.toPem('CERTIFICATE', block.der)}\n`,
        );
      }
      mapping[result.issuer.id] = result.issuer.keyId;
      (result.existing ? existingIssuers : importedIssuers).push(result.issuer.id);
    }
    const warnings: string[] = [];
    const defaultId = state.defaultIssuer?.id;
    if (defaultId !== undefined && mapping[defaultId] === '') {
      warnings.push(
        'The default issuer has no key associated with it. Some operations like issuing certificates and signing CRLs will be unavailable with the requested default issuer until a key is imported or the default issuer is changed.',
      );
    }
    if (!urlsConfigured(state)) warnings.push(AIA_WARNING);
    if (importedIssuers.length > 0) state.crlNumber++;
    return {
      data: {
        mapping,
        // Go's nil slices.
        imported_keys: importedKeys.length > 0 ? importedKeys : null,
        imported_issuers: importedIssuers.length > 0 ? importedIssuers : null,
        existing_keys: existingKeys.length > 0 ? existingKeys : null,
        existing_issuers: existingIssuers.length > 0 ? existingIssuers : null,
      },
      warnings,
    };
  };

  return [
    defineRoute({
      pattern: 'root/generate/:exported',
      fields: ROOT_GENERATE_FIELDS,
      handlers: { update: generateRoot },
    }),
    defineRoute({
      pattern: 'intermediate/generate/:exported',
      fields: INTERMEDIATE_GENERATE_FIELDS,
      handlers: { update: generateIntermediate },
    }),
    defineRoute({
      pattern: 'root/sign-intermediate',
      fields: SIGN_INTERMEDIATE_FIELDS,
      handlers: { update: signIntermediate },
    }),
    defineRoute({
      pattern: 'intermediate/set-signed',
      fields: SET_SIGNED_FIELDS,
      handlers: { update: (req, { fields }) => importIssuers(req.path, '', fields.certificate) },
    }),
    defineRoute({
      pattern: 'config/ca',
      fields: IMPORT_BUNDLE_FIELDS,
      handlers: { update: (req, { fields }) => importIssuers(req.path, fields.pem_bundle, '') },
    }),
    defineRoute({
      pattern: /issuers\/import\/(?:cert|bundle)/,
      fields: IMPORT_BUNDLE_FIELDS,
      handlers: { update: (req, { fields }) => importIssuers(req.path, fields.pem_bundle, '') },
    }),
  ];
}

/** importIssuer for a certificate the mount made itself: a refusal would be the mock's own bug. */
function importIssuerOrFail(state: PkiState, bytes: Buffer | undefined, name: string) {
  if (!bytes) throw VaultError.wrapped(500, 'generated certificate is not PEM');
  try {
    return state.importIssuer(bytes, name);
  } catch (error) {
    const message = (error as Error).message;
    // The one refusal a caller can cause: a name another issuer already has.
    if (message.startsWith('another issuer')) throw badRequest(message);
    throw VaultError.wrapped(500, message);
  }
}

/** importKeyFromBytes: an unencrypted PKCS#1, SEC1 or PKCS#8 key the mock can sign with. */
function keyFromPem(label: string, bytes: Buffer, index: number): KeyPair {
  try {
    const privateKey = createPrivateKey({ key: der.toPem(label, bytes), format: 'pem' });
    return keyPairOf(privateKey, createPublicKey(privateKey));
  } catch (error) {
    throw badRequest(`Error parsing key ${index}: ${(error as Error).message}`);
  }
}
