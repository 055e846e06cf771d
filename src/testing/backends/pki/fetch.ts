import { rfc3339 } from '../../core/go-format';
import { type DeclaredRoute, defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest } from '../../core/vault-error';
import { FETCH_FIELDS, REVOKE_FIELDS } from './fields';
import { normalizeSerial, type PkiState, type StoredCertificate } from './state';

const PEM_CHAIN = 'application/pem-certificate-chain';

/** A raw answer as path_fetch.go gives it: 200 with the bytes, or 204 when there is nothing. */
function raw(contentType: string, body: string | undefined): BackendResult {
  return body ? { raw: { contentType, body } } : { raw: { contentType, body: '' }, status: 204 };
}

function certData(pem: string, cert?: StoredCertificate): Record<string, unknown> {
  const revoked = cert?.revokedAt ?? null;
  const data: Record<string, unknown> = {
    certificate: pem,
    revocation_time: revoked === null ? 0 : Math.floor(revoked / 1000),
    revocation_time_rfc3339: revoked === null ? '' : rfc3339(revoked),
  };
  if (revoked !== null && cert) data.issuer_id = cert.issuerId;
  return data;
}

/** `ca/pem`, `ca_chain`, `cert/*`, `certs` and `revoke` (openbao/openbao:internal/builtin/logical/pki/path_fetch.go). */
export function fetchRoutes(state: PkiState): DeclaredRoute[] {
  const caPem = () => state.defaultIssuer?.ca.certificate;
  const defaultCa = () => {
    const pem = caPem();
    if (!pem) throw badRequest('no default issuer currently configured');
    return pem;
  };

  const revoke = (req: BackendRequest, { fields }: RouteInput<typeof REVOKE_FIELDS>): BackendResult => {
    const serial = fields.serial_number;
    if (serial === '') throw badRequest('The serial number or certificate to revoke must be provided.');
    const cert = state.certs.get(normalizeSerial(serial));
    if (!cert) throw badRequest(`certificate with serial ${serial} not found.`);
    cert.revokedAt ??= req.now;
    return {
      data: {
        revocation_time: Math.floor(cert.revokedAt / 1000),
        revocation_time_rfc3339: rfc3339(cert.revokedAt),
        state: 'revoked',
      },
    };
  };

  return [
    // The DER forms (`ca`, `cert/:serial/raw`) need a binary body, which the mock's raw answers lack.
    defineRoute({ pattern: 'ca/pem', handlers: { read: () => raw(PEM_CHAIN, caPem()) } }),
    // Vault labels this PEM chain application/pkix-cert.
    defineRoute({ pattern: 'ca_chain', handlers: { read: () => raw('application/pkix-cert', caPem()) } }),
    defineRoute({
      pattern: 'cert/ca_chain',
      handlers: {
        read: () => {
          const chain = defaultCa();
          return { data: { ...certData(chain), ca_chain: chain } };
        },
      },
    }),
    defineRoute({ pattern: 'cert/ca', handlers: { read: () => ({ data: certData(defaultCa()) }) } }),
    defineRoute({ pattern: 'cert/ca/raw/pem', handlers: { read: () => raw(PEM_CHAIN, caPem()) } }),
    defineRoute({
      pattern: 'cert/:serial/raw/pem',
      fields: FETCH_FIELDS,
      handlers: {
        read: (_req, { params }) => raw(PEM_CHAIN, state.certs.get(normalizeSerial(params.serial))?.pem),
      },
    }),
    defineRoute({
      pattern: 'cert/:serial',
      fields: FETCH_FIELDS,
      handlers: {
        read: (_req, { params }) => {
          const cert = state.certs.get(normalizeSerial(params.serial));
          return cert ? { data: certData(cert.pem, cert) } : null;
        },
      },
    }),
    defineRoute({
      pattern: 'certs',
      handlers: { list: () => ({ data: { keys: [...state.certs.keys()].sort() } }) },
    }),
    defineRoute({ pattern: 'revoke', fields: REVOKE_FIELDS, handlers: { update: revoke } }),
  ];
}
