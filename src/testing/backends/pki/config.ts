import { field } from '../../core/fields';
import { parseDurationSecond } from '../../core/go-parse';
import { type DeclaredRoute, defineRoute } from '../../core/routes';
import { badRequest } from '../../core/vault-error';
import type { PkiState } from './state';

const URLS_FIELDS = {
  issuing_certificates: field(
    'commaStringSlice',
    'Comma-separated list of URLs to be used for the issuing certificate attribute.',
  ),
  crl_distribution_points: field(
    'commaStringSlice',
    'Comma-separated list of URLs to be used for the CRL distribution points attribute.',
  ),
  ocsp_servers: field(
    'commaStringSlice',
    'Comma-separated list of URLs to be used for the OCSP servers attribute.',
  ),
  enable_templating: field('bool', 'Whether or not to enabling templating of the above AIA fields.', false),
} as const;

const CRL_FIELDS = {
  expiry: field(
    'string',
    'The amount of time the generated CRL should be valid; defaults to 72 hours',
    '72h',
  ),
  disable: field('bool', 'If set to true, disables generating the CRL entirely.'),
  ocsp_disable: field('bool', 'If set to true, ocsp unauthorized responses will be returned.'),
  ocsp_expiry: field(
    'string',
    'The amount of time an OCSP response will be valid (controls the NextUpdate field).',
    '1h',
  ),
  auto_rebuild: field('bool', 'If set to true, enables automatic rebuilding of the CRL'),
  auto_rebuild_grace_period: field(
    'string',
    'The time before the CRL expires to automatically rebuild it.',
    '12h',
  ),
  enable_delta: field('bool', 'Whether to enable delta CRLs between authoritative CRL rebuilds'),
  delta_rebuild_interval: field(
    'string',
    'The time between delta CRL rebuilds if a new revocation has occurred.',
    '15m',
  ),
} as const;

/** A duration field path_config_crl.go checks with parseutil, answering its own words on failure. */
function checkDuration(value: string, what: string): string {
  try {
    parseDurationSecond(value);
  } catch (error) {
    throw badRequest(`given ${what} could not be decoded: ${(error as Error).message}`);
  }
  return value;
}

/** `config/urls` and `config/crl` (path_config_urls.go, path_config_crl.go). */
export function configRoutes(state: PkiState): DeclaredRoute[] {
  const urlsView = () => ({
    issuing_certificates: state.urls.issuingCertificates,
    crl_distribution_points: state.urls.crlDistributionPoints,
    ocsp_servers: state.urls.ocspServers,
    enable_templating: state.urls.enableTemplating,
  });
  const crlView = () => ({
    expiry: state.crlConfig.expiry,
    disable: state.crlConfig.disable,
    ocsp_disable: state.crlConfig.ocspDisable,
    ocsp_expiry: state.crlConfig.ocspExpiry,
    auto_rebuild: state.crlConfig.autoRebuild,
    auto_rebuild_grace_period: state.crlConfig.autoRebuildGracePeriod,
    enable_delta: state.crlConfig.enableDelta,
    delta_rebuild_interval: state.crlConfig.deltaRebuildInterval,
  });
  return [
    defineRoute({
      pattern: 'config/urls',
      fields: URLS_FIELDS,
      handlers: {
        read: () => ({ data: urlsView() }),
        update: (_req, { fields, has }) => {
          const urls = state.urls;
          if (has('issuing_certificates')) urls.issuingCertificates = fields.issuing_certificates;
          if (has('crl_distribution_points')) urls.crlDistributionPoints = fields.crl_distribution_points;
          if (has('ocsp_servers')) urls.ocspServers = fields.ocsp_servers;
          if (has('enable_templating')) urls.enableTemplating = fields.enable_templating;
          return { data: urlsView() };
        },
      },
    }),
    defineRoute({
      pattern: 'config/crl',
      fields: CRL_FIELDS,
      handlers: {
        read: () => ({ data: crlView() }),
        update: (_req, { fields, has }) => {
          const next = { ...state.crlConfig };
          if (has('expiry')) next.expiry = checkDuration(fields.expiry, 'expiry');
          if (has('disable')) next.disable = fields.disable;
          if (has('ocsp_disable')) next.ocspDisable = fields.ocsp_disable;
          if (has('ocsp_expiry')) next.ocspExpiry = checkDuration(fields.ocsp_expiry, 'ocsp_expiry');
          if (has('auto_rebuild')) next.autoRebuild = fields.auto_rebuild;
          if (has('auto_rebuild_grace_period')) {
            next.autoRebuildGracePeriod = checkDuration(
              fields.auto_rebuild_grace_period,
              'auto_rebuild_grace_period',
            );
          }
          if (has('enable_delta')) next.enableDelta = fields.enable_delta;
          if (has('delta_rebuild_interval')) {
            next.deltaRebuildInterval = checkDuration(
              fields.delta_rebuild_interval,
              'delta_rebuild_interval',
            );
          }
          if (next.enableDelta && !next.autoRebuild) {
            throw badRequest(
              'Delta CRLs cannot be enabled when auto rebuilding is disabled as the complete CRL is always regenerated!',
            );
          }
          state.crlConfig = next;
          state.crlNumber++;
          return { data: crlView() };
        },
      },
    }),
  ];
}
