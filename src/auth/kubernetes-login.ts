import type { VaultResponseError } from '../errors';
import type { Transport } from '../http/transport';
import type { AuthBlock } from '../http/vault-response';
import type { Redactor } from '../internal/redact';
import type { ServiceAccountClaims } from '../types/auth';
import type { CallOptions } from '../types/requests';
import { describeClaims, loginError, reasonOf } from './login-refusal';
import { postLogin } from './login-request';

export interface KubernetesLogin {
  mount: string;
  role: string;
  jwt: string;
  claims: ServiceAccountClaims;
}

/**
 * `auth/<mount>/login`. A refusal becomes a VaultLoginError that names the role and mount, what
 * the JWT claims, and what to change, which turns "token validation failures" into a diagnosis.
 */
export function kubernetesLogin(
  transport: Transport,
  login: KubernetesLogin,
  redactor: Redactor,
  call?: CallOptions,
): Promise<AuthBlock> {
  return postLogin(
    transport,
    { mount: login.mount, body: { role: login.role, jwt: login.jwt }, kind: 'idempotent-write', call },
    (error) => refusal(error, login, redactor),
  );
}

function refusal(error: VaultResponseError, login: KubernetesLogin, redactor: Redactor) {
  const reason = reasonOf(error, redactor);
  const message = `Vault refused Kubernetes login for role "${login.role}" at auth/${login.mount}: ${reason}. ${describeClaims(login.claims)}. ${hint(reason, login)}`;
  return loginError(
    message,
    {
      method: 'kubernetes',
      role: login.role,
      mount: login.mount,
      status: error.status,
      reason,
      claims: login.claims,
    },
    error,
  );
}

function hint(reason: string, login: KubernetesLogin): string {
  const role = `auth/${login.mount}/role/${login.role}`;
  const { serviceAccount, namespace } = login.claims;
  if (reason.startsWith('invalid role name')) {
    return `No role "${login.role}" exists at auth/${login.mount}: create it (vault write ${role} ...) or fix auth.role.`;
  }
  if (reason.includes('service account name not authorized')) {
    return `Add "${serviceAccount ?? '?'}" to bound_service_account_names of ${role}, or run the pod as a service account the role names (vault read ${role}).`;
  }
  if (reason.includes('namespace not authorized')) {
    return `Add "${namespace ?? '?'}" to bound_service_account_namespaces of ${role} (vault read ${role}).`;
  }
  if (reason.includes('audience')) {
    return `The role's audience is not among the JWT's: mount a projected token with that audience, or change audience on ${role}.`;
  }
  if (
    reason.includes('expired') ||
    reason.includes('not yet valid') ||
    reason.includes('issued in the future')
  ) {
    return "Vault judges the JWT's time claims wrong: check for clock skew between this pod, the API server and Vault.";
  }
  if (reason.includes('no handler for route')) {
    return `No auth method is mounted at auth/${login.mount}: enable it (vault auth enable -path=${login.mount} kubernetes) or fix auth.mount.`;
  }
  if (reason.includes('could not load backend configuration')) {
    return `The auth method is not configured: vault write auth/${login.mount}/config kubernetes_host=...`;
  }
  if (reason.includes('permission denied')) {
    return `Vault could not verify the JWT with the cluster (TokenReview or pem_keys): check auth/${login.mount}/config (kubernetes_host, kubernetes_ca_cert, token_reviewer_jwt), that Vault may call the TokenReview API, and that the service account still exists. Vault answers the same when no auth method is mounted at auth/${login.mount}: check auth.mount (vault auth list).`;
  }
  return `Check ${role} and auth/${login.mount}/config.`;
}
