import type { Request, RequestHandler, Response } from 'express';
import type { VaultKubernetesClient } from 'vault-kubernetes-client';
import { type VaultReadinessOptions, vaultReadiness } from '../integrations/readiness-report';

/** A Kubernetes probe: 200 while logged in and every required secret is valid, 503 otherwise. */
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
