import type { Backend } from '../../core/backend';
import { uuid } from '../../core/ids';
import type { Route } from '../../core/routes';
import type { BackendRequest, BackendResult, MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest, unsupportedPath } from '../../core/vault-error';
import { CertificateAuthority, type KeyType } from '../../x509/certificates';
import { duration, int, str } from '../fields';
import { fetchRoutes } from './fetch';
import { formatOf, issueCertificate, notAfterFor } from './issue';
import { keyBitsFor, parseRole, roleData, roleWarnings } from './roles';
import { derBase64, type Issuer, PkiState, pemBodyBase64 } from './state';

const AIA_WARNING =
  "This mount hasn't configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information.";

/**
 * The PKI secrets engine: self-signed roots, roles, issuance and certificate reads, with real
 * certificates from the mock's x509 module dated on the mock clock.
 */
export function pkiBackend(core: VaultCore, mount: MountInfo): Backend {
  const state = new PkiState(mount);

  const generateRoot = (req: BackendRequest, exported: string): BackendResult => {
    if (!['internal', 'exported', 'existing', 'kms'].includes(exported)) {
      // Vault's own string, unbalanced quote included.
      throw badRequest('the "exported" path parameter must be "internal", "existing", exported" or "kms"');
    }
    // Reusing a stored key or a managed key is beyond the mock; strict mode reports it.
    if (exported === 'existing' || exported === 'kms') throw unsupportedPath();
    const format = formatOf(req.data);
    const keyType = str(req.data, 'key_type', 'rsa');
    const keyBits = keyBitsFor(keyType, int(req.data, 'key_bits', 0));
    if (keyType === 'any') throw badRequest('unknown key type any');
    const commonName = str(req.data, 'common_name');
    // Vault would sign a root with an empty subject (and warn); the mock's x509 module needs a CN.
    if (commonName === '') throw badRequest('the common_name field is required for the mock Vault');
    const { notAfter, warnings } = notAfterFor(
      state,
      duration(req.data, 'ttl'),
      { ttl: 0, maxTtl: 0 },
      req.now,
    );
    const ca = CertificateAuthority.create({
      commonName,
      notBefore: new Date(req.now - duration(req.data, 'not_before_duration', 30) * 1000),
      notAfter: new Date(notAfter),
      keyType: keyType as KeyType,
      keyBits: keyBits || undefined,
    });
    const issuer: Issuer = {
      id: uuid(),
      name: str(req.data, 'issuer_name'),
      keyId: uuid(),
      keyName: str(req.data, 'key_name'),
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

  const writeRole = (req: BackendRequest, name: string): BackendResult => {
    const role = parseRole(req.data);
    state.roles.set(name, role);
    return {
      data: roleData(role),
      warnings: roleWarnings(req.data, role, state.defaultIssuer !== undefined),
    };
  };

  const routes: Route[] = [
    { pattern: 'root/generate/:exported', handlers: { update: (req, p) => generateRoot(req, p.exported!) } },
    {
      pattern: 'root',
      handlers: {
        delete: () => {
          state.issuers.length = 0;
          state.defaultIssuer = undefined;
          return null;
        },
      },
    },
    { pattern: 'roles', handlers: { list: () => ({ data: { keys: [...state.roles.keys()].sort() } }) } },
    {
      pattern: 'roles/:name',
      handlers: {
        read: (_req, p) => {
          const role = state.roles.get(p.name!);
          return role ? { data: roleData(role) } : null;
        },
        update: (req, p) => writeRole(req, p.name!),
        delete: (_req, p) => {
          state.roles.delete(p.name!);
          return null;
        },
      },
    },
    { pattern: 'issue/:role', handlers: { update: (req, p) => issueCertificate(state, req, p.role!) } },
    ...fetchRoutes(state),
  ];

  return {
    routes,
    // The certificate outlives its lease in Vault too; revoking the lease revokes the certificate.
    revokeLease: (lease) => {
      const serial = lease.internal.serial_number;
      if (typeof serial !== 'string') return;
      const cert = state.certs.get(serial.toLowerCase().replaceAll(':', '-'));
      if (cert && cert.revokedAt === null) cert.revokedAt = core.now();
    },
  };
}
