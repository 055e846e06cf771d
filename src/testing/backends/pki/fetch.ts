import type { Route } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest } from '../../core/vault-error';
import { str } from '../fields';
import { normalizeSerial, type PkiState, rfc3339Nano, type StoredCertificate } from './state';

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
    revocation_time_rfc3339: revoked === null ? '' : rfc3339Nano(revoked),
  };
  if (revoked !== null && cert) data.issuer_id = cert.issuerId;
  return data;
}

/** `ca/pem`, `ca_chain`, `cert/*`, `certs` and `revoke` (openbao/openbao:internal/builtin/logical/pki/path_fetch.go). */
export function fetchRoutes(state: PkiState): Route[] {
  const caPem = () => state.defaultIssuer?.ca.certificate;
  const defaultCa = () => {
    const pem = caPem();
    if (!pem) throw badRequest('no default issuer currently configured');
    return pem;
  };

  const revoke = (req: BackendRequest): BackendResult => {
    const serial = str(req.data, 'serial_number');
    if (serial === '') throw badRequest('The serial number or certificate to revoke must be provided.');
    const cert = state.certs.get(normalizeSerial(serial));
    if (!cert) throw badRequest(`certificate with serial ${serial} not found.`);
    cert.revokedAt ??= req.now;
    return {
      data: {
        revocation_time: Math.floor(cert.revokedAt / 1000),
        revocation_time_rfc3339: rfc3339Nano(cert.revokedAt),
        state: 'revoked',
      },
    };
  };

  return [
    // The DER forms (`ca`, `cert/:serial/raw`) need a binary body, which the mock's raw answers lack.
    { pattern: 'ca/pem', handlers: { read: () => raw(PEM_CHAIN, caPem()) } },
    // Vault labels this PEM chain application/pkix-cert.
    { pattern: 'ca_chain', handlers: { read: () => raw('application/pkix-cert', caPem()) } },
    {
      pattern: 'cert/ca_chain',
      handlers: {
        read: () => {
          const chain = defaultCa();
          return { data: { ...certData(chain), ca_chain: chain } };
        },
      },
    },
    { pattern: 'cert/ca', handlers: { read: () => ({ data: certData(defaultCa()) }) } },
    { pattern: 'cert/ca/raw/pem', handlers: { read: () => raw(PEM_CHAIN, caPem()) } },
    {
      pattern: 'cert/:serial/raw/pem',
      handlers: { read: (_req, p) => raw(PEM_CHAIN, state.certs.get(normalizeSerial(p.serial!))?.pem) },
    },
    {
      pattern: 'cert/:serial',
      handlers: {
        read: (_req, p) => {
          const cert = state.certs.get(normalizeSerial(p.serial!));
          return cert ? { data: certData(cert.pem, cert) } : null;
        },
      },
    },
    { pattern: 'certs', handlers: { list: () => ({ data: { keys: [...state.certs.keys()].sort() } }) } },
    { pattern: 'revoke', handlers: { update: revoke } },
  ];
}
