import type { Backend } from '../../core/backend';
import type { EngineContext } from '../../core/engine';
import { uuid } from '../../core/ids';
import { type DeclaredRoute, defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest, unsupportedPath } from '../../core/vault-error';
import { CertificateAuthority, type KeyType } from '../../x509/certificates';
import { configRoutes } from './config';
import { fetchRoutes } from './fetch';
import { ISSUE_FIELDS, ROLE_FIELDS, ROOT_GENERATE_FIELDS } from './fields';
import { formatOf, issueCertificate, notAfterFor } from './issue';
import { keyBitsFor, parseRole, roleData, roleWarnings } from './roles';
import { derBase64, type Issuer, PkiState, pemBodyBase64 } from './state';

const AIA_WARNING =
  "This mount hasn't configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information.";

/**
 * The PKI secrets engine: self-signed roots, roles, issuance and certificate reads, with real
 * certificates from the mock's x509 module dated on the mock clock.
 */
export function pkiBackend({ mount, now }: EngineContext): Backend {
  const state = new PkiState(mount);

  const generateRoot = (
    req: BackendRequest,
    { fields }: RouteInput<typeof ROOT_GENERATE_FIELDS>,
  ): BackendResult => {
    const exported = fields.exported;
    if (!['internal', 'exported', 'existing', 'kms'].includes(exported)) {
      // Vault's own string, unbalanced quote included.
      throw badRequest('the "exported" path parameter must be "internal", "existing", exported" or "kms"');
    }
    // Reusing a stored key or a managed key is beyond the mock; strict mode reports it.
    if (exported === 'existing' || exported === 'kms') throw unsupportedPath();
    const format = formatOf(fields.format);
    const keyType = fields.key_type;
    const keyBits = keyBitsFor(keyType, fields.key_bits);
    if (keyType === 'any') throw badRequest('unknown key type any');
    const commonName = fields.common_name;
    // Vault would sign a root with an empty subject (and warn); the mock's x509 module needs a CN.
    if (commonName === '') throw badRequest('the common_name field is required for the mock Vault');
    const { notAfter, warnings } = notAfterFor(state, fields.ttl, { ttl: 0, maxTtl: 0 }, req.now);
    const ca = CertificateAuthority.create({
      commonName,
      notBefore: new Date(req.now - fields.not_before_duration * 1000),
      notAfter: new Date(notAfter),
      keyType: keyType as KeyType,
      keyBits: keyBits || undefined,
    });
    const issuer: Issuer = {
      id: uuid(),
      name: fields.issuer_name,
      keyId: uuid(),
      keyName: fields.key_name,
      ca,
    };
    state.issuers.push(issuer);
    // A new root becomes the default only when there is none (default_follows_latest_issuer=false).
    state.defaultIssuer ??= issuer;
    state.store(ca.certificate, ca.serialNumber, issuer.id);
    const data: Record<string, unknown> = {
      expiration: Math.floor(ca.notAfter.getTime() / 1000),
      serial_number: ca.serialNumber,
      certificate: format === 'der' ? derBase64(ca.certificate) : ca.certificate,
      issuing_ca: format === 'der' ? derBase64(ca.certificate) : ca.certificate,
      issuer_id: issuer.id,
      issuer_name: issuer.name,
      key_id: issuer.keyId,
      key_name: issuer.keyName,
    };
    if (exported === 'exported') {
      data.private_key = format === 'der' ? pemBodyBase64(ca.privateKey) : ca.privateKey;
      data.private_key_type = ca.keyType;
      if (format === 'pem_bundle') data.certificate = `${ca.privateKey}\n${ca.certificate}`;
    }
    return { data, warnings: [...warnings, AIA_WARNING] };
  };

  const writeRole = (input: RouteInput<typeof ROLE_FIELDS>, name: string): BackendResult => {
    const role = parseRole(input);
    state.roles.set(name, role);
    return {
      data: roleData(role),
      warnings: roleWarnings(input, role, state.defaultIssuer !== undefined),
    };
  };

  const routes: DeclaredRoute[] = [
    defineRoute({
      pattern: 'root/generate/:exported',
      fields: ROOT_GENERATE_FIELDS,
      handlers: { update: generateRoot },
    }),
    defineRoute({
      pattern: 'root',
      handlers: {
        delete: () => {
          state.issuers.length = 0;
          state.defaultIssuer = undefined;
          return null;
        },
      },
    }),
    defineRoute({
      pattern: 'roles',
      handlers: { list: () => ({ data: { keys: [...state.roles.keys()].sort() } }) },
    }),
    defineRoute({
      pattern: 'roles/:name',
      fields: ROLE_FIELDS,
      handlers: {
        read: (_req, { params }) => {
          const role = state.roles.get(params.name);
          return role ? { data: roleData(role) } : null;
        },
        update: (_req, input) => writeRole(input, input.params.name),
        delete: (_req, { params }) => {
          state.roles.delete(params.name);
          return null;
        },
      },
    }),
    defineRoute({
      pattern: 'issue/:role',
      fields: ISSUE_FIELDS,
      handlers: { update: (req, input) => issueCertificate(state, req, input, input.params.role) },
    }),
    ...fetchRoutes(state, now),
    ...configRoutes(state),
  ];

  return {
    // PathsSpecial.Unauthenticated: what a TLS client fetches to check a certificate needs no token.
    unauthenticated: [
      'cert/*',
      'ca/pem',
      'ca_chain',
      'ca',
      'crl/delta',
      'crl/delta/pem',
      'crl/pem',
      'crl',
      'issuer/+/crl/der',
      'issuer/+/crl/pem',
      'issuer/+/crl',
      'issuer/+/pem',
      'issuer/+/der',
      'issuer/+/json',
      'issuers',
      'ocsp',
      'ocsp/*',
    ],
    // PathsSpecial.Root.
    rootPaths: ['root', 'root/sign-self-issued'],
    routes,
    // The certificate outlives its lease in Vault too; revoking the lease revokes the certificate.
    revokeLease: (lease) => {
      const serial = lease.internal.serial_number;
      if (typeof serial !== 'string') return;
      const cert = state.certs.get(serial.toLowerCase().replaceAll(':', '-'));
      if (cert && cert.revokedAt === null) cert.revokedAt = now();
    },
  };
}
