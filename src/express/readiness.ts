import type { Request, RequestHandler, Response } from 'express';
import type { VaultKubernetesClient } from 'vault-kubernetes-client';
import { type VaultReadinessOptions, vaultReadiness } from '../integrations/readiness-report';

/**
 * A Kubernetes probe: 200 while logged in and every required secret is valid, 503 otherwise, with
 * the {@link VaultReadiness} report as JSON (states and lifetimes, never a token or a value). A
 * probe never starts a login on its own, and a missing secret is fetched with one short attempt.
 *
 * @example app.get('/healthz/ready', vaultReadinessHandler(client, { secrets: { db: 'database/creds/app' } }));
 */
export function vaultReadinessHandler(
  client: VaultKubernetesClient,
  options: VaultReadinessOptions = {},
): RequestHandler {
  return (_req: Request, res: Response, next): void => {
    vaultReadiness(client, options).then((report) => {
      res
        .status(report.ready ? 200 : 503)
        .set('Cache-Control', 'no-store')
        .json(report);
    }, next);
  };
}
