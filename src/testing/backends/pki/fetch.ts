import { rfc3339 } from '../../core/go-format';
import { parseDurationSecond } from '../../core/go-parse';
import { type DeclaredRoute, defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest } from '../../core/vault-error';
import { FETCH_FIELDS, REVOKE_FIELDS } from './fields';
import { normalizeSerial, type PkiState, type StoredCertificate } from './state';

const PEM_CHAIN = 'application/pem-certificate-chain';

/** A raw answer as path_fetch.go gives it: 200 with the bytes, or 204 when there is nothing. */
function raw(contentType: string, body: string | Buffer | undefined): BackendResult {
  return body && body.length > 0
    ? { raw: { contentType, body } }
    : { raw: { contentType, body: '' }, status: 204 };
}

/** The DER inside a PEM block. */
function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64');
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
export function fetchRoutes(state: PkiState, now: () => number): DeclaredRoute[] {
  const caPem = () => state.defaultIssuer?.certificate;
  /** The default issuer and the parents the mount holds, one PEM after another. */
  const chainPem = () => (state.defaultIssuer ? state.chainOf(state.defaultIssuer).join('\n') : undefined);
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
    if (cert.revokedAt === null) {
      cert.revokedAt = req.now;
      state.crlNumber++;
    }
    return {
      data: {
        revocation_time: Math.floor(cert.revokedAt / 1000),
        revocation_time_rfc3339: rfc3339(cert.revokedAt),
        state: 'revoked',
      },
    };
  };

  /** The default issuer's CRL as of now, valid for config/crl's expiry (crl_util.go buildCRL). */
  const crlPem = (): string | undefined => {
    const issuer = state.defaultIssuer;
    // An issuer without its key cannot sign a CRL.
    if (!issuer?.ca) return undefined;
    const at = now();
    const revoked = [...state.certs.values()]
      .filter((cert) => cert.issuerId === issuer.id && cert.revokedAt !== null)
      .map((cert) => ({ serialNumber: cert.serial, revokedAt: new Date(cert.revokedAt ?? at) }));
    const expiry = parseDurationSecond(state.crlConfig.expiry);
    return issuer.ca.crl({
      revoked,
      thisUpdate: new Date(at),
      nextUpdate: new Date(at + expiry * 1000),
      number: state.crlNumber,
    });
  };
  const derOf = (pem: string | undefined) => (pem === undefined ? undefined : pemToDer(pem));

  return [
    defineRoute({ pattern: 'ca', handlers: { read: () => raw('application/pkix-cert', derOf(caPem())) } }),
    defineRoute({ pattern: 'ca/pem', handlers: { read: () => raw(PEM_CHAIN, caPem()) } }),
    // Vault labels this PEM chain application/pkix-cert.
    defineRoute({ pattern: 'ca_chain', handlers: { read: () => raw('application/pkix-cert', chainPem()) } }),
    defineRoute({
      pattern: 'cert/ca_chain',
      handlers: {
        read: () => {
          defaultCa();
          const chain = chainPem() ?? '';
          return { data: { ...certData(chain), ca_chain: chain } };
        },
      },
    }),
    defineRoute({ pattern: 'cert/ca', handlers: { read: () => ({ data: certData(defaultCa()) }) } }),
    defineRoute({ pattern: 'cert/ca/raw/pem', handlers: { read: () => raw(PEM_CHAIN, caPem()) } }),
    defineRoute({ pattern: 'crl', handlers: { read: () => raw('application/pkix-crl', derOf(crlPem())) } }),
    defineRoute({ pattern: 'crl/pem', handlers: { read: () => raw('application/x-pem-file', crlPem()) } }),
    defineRoute({
      pattern: 'cert/crl',
      handlers: {
        read: () => {
          const pem = crlPem();
          if (!pem) throw badRequest('no default issuer currently configured');
          return { data: certData(pem) };
        },
      },
    }),
    defineRoute({
      pattern: 'crl/rotate',
      handlers: {
        read: () => {
          state.crlNumber++;
          return { data: { success: true } };
        },
      },
    }),
    defineRoute({
      pattern: 'cert/:serial/raw',
      fields: FETCH_FIELDS,
      handlers: {
        read: (_req, { params }) =>
          raw('application/pkix-cert', derOf(state.certs.get(normalizeSerial(params.serial))?.pem)),
      },
    }),
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
