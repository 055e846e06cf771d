import type { Backend } from '../../core/backend';
import type { EngineContext } from '../../core/engine';
import { type DeclaredRoute, defineRoute, type RouteInput } from '../../core/routes';
import type { BackendResult } from '../../core/types';
import { authorityRoutes } from './authority';
import { configRoutes } from './config';
import { fetchRoutes } from './fetch';
import { ISSUE_FIELDS, ROLE_FIELDS, SIGN_FIELDS, SIGN_VERBATIM_FIELDS } from './fields';
import { issueCertificate } from './issue';
import { parseRole, roleData, roleWarnings } from './roles';
import { signCertificate, signVerbatim } from './sign';
import { PkiState } from './state';

/**
 * The PKI secrets engine: roots, intermediates (CSR, signing by another mount, import of the
 * signed chain), imported CA bundles, roles, issuance and signing of CSRs, and certificate reads,
 * with real certificates from the mock's x509 module dated on the mock clock.
 */
export function pkiBackend({ mount, now }: EngineContext): Backend {
  const state = new PkiState(mount);

  const writeRole = (input: RouteInput<typeof ROLE_FIELDS>, name: string): BackendResult => {
    const role = parseRole(input);
    state.roles.set(name, role);
    return {
      data: roleData(role),
      warnings: roleWarnings(input, role, state.defaultIssuer !== undefined),
    };
  };

  const routes: DeclaredRoute[] = [
    ...authorityRoutes(state),
    defineRoute({
      pattern: 'root',
      handlers: {
        delete: () => {
          state.issuers.length = 0;
          state.keys.length = 0;
          state.defaultIssuer = undefined;
          return {
            warnings: [
              'DELETE /root deletes all keys and issuers; prefer the new DELETE /key/:key_ref and DELETE /issuer/:issuer_ref for finer granularity, unless removal of all keys and issuers is desired.',
            ],
          };
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
    defineRoute({
      pattern: 'sign/:role',
      fields: SIGN_FIELDS,
      handlers: { update: (req, input) => signCertificate(state, req, input, input.params.role) },
    }),
    defineRoute({
      pattern: /sign-verbatim(?:\/(?<role>[^/]+))?/,
      fields: SIGN_VERBATIM_FIELDS,
      handlers: { update: (req, input) => signVerbatim(state, req, input, input.params.role ?? '') },
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
