import { type CheckResult, fail } from '../check';

/** What the Kubernetes API says about the pod's own token (SelfSubjectAccessReview). */
export type ClusterVerdict =
  | { kind: 'unknown'; why: string }
  | { kind: 'token-refused' }
  | { kind: 'token-accepted'; canCreateTokenReviews: boolean | undefined };

export interface RefusedLogin {
  role: string;
  mount: string;
  /** Vault's error string, as the client's VaultLoginError carries it. */
  reason: string;
  namespace: string | undefined;
  serviceAccount: string | undefined;
  audience: readonly string[];
  issuer: string | undefined;
  /** From the mount probe; undefined when it did not run. */
  mounted?: boolean | undefined;
  cluster?: ClusterVerdict | undefined;
}

/** Whether the refusal is Vault's bare "permission denied", which only more probing can explain. */
export function needsProbing(reason: string): boolean {
  return reason.trim() === 'permission denied';
}

/**
 * A refused Kubernetes login, explained. Vault's strings come from vault-plugin-auth-kubernetes
 * (path_login.go, and cap/jwt for the claim checks); "permission denied" covers the signature check,
 * token_bound_cidrs, a path with no auth method and every TokenReview failure, so the probes' facts
 * decide among those.
 */
export function diagnoseLogin(login: RefusedLogin): CheckResult {
  const at = `auth/${login.mount}`;
  const role = `${at}/role/${login.role}`;
  const sa = login.serviceAccount ?? '?';
  const ns = login.namespace ?? '?';
  const refused = `Vault refused the login for role "${login.role}" at ${at} (${login.reason})`;
  const reason = login.reason;
  if (reason.startsWith('invalid role name')) {
    return fail(
      'login',
      `${refused}: no role of that name exists`,
      `create it (vault write ${role} bound_service_account_names=${sa} bound_service_account_namespaces=${ns} token_policies=<policies>) or pass the right --role (vault list ${at}/role)`,
    );
  }
  if (reason.includes('service account name not authorized')) {
    return fail(
      'login',
      `${refused}: the role's bound_service_account_names do not include "${sa}"`,
      `add "${sa}" to bound_service_account_names of ${role} (vault read ${role}), or run the pod as a service account the role names`,
    );
  }
  if (reason.includes('namespace not authorized')) {
    return fail(
      'login',
      `${refused}: the role's bound_service_account_namespaces do not include "${ns}"`,
      `add "${ns}" to bound_service_account_namespaces of ${role} (vault read ${role})`,
    );
  }
  if (reason.includes('invalid audience')) {
    return fail(
      'login',
      `${refused}: the role's audience is not among the JWT's ${JSON.stringify(login.audience)}`,
      `mount a projected serviceAccountToken with the role's audience (and --token-path / auth.tokenPath to it), or set audience on ${role} to one of the JWT's`,
    );
  }
  if (reason.includes('invalid issuer')) {
    return fail(
      'login',
      `${refused}: the issuer in ${at}/config is not the JWT's "${login.issuer ?? '?'}"`,
      `set issuer="${login.issuer ?? '<the JWT iss>'}" in ${at}/config, or disable_iss_validation=true (vault read ${at}/config)`,
    );
  }
  if (/not yet valid|expired|issued in the future/.test(reason)) {
    return fail(
      'login',
      `${refused}: Vault judges the JWT's times wrong on its own clock`,
      'synchronise the clocks of this node, the API server and Vault (see clock-skew); a stale copy of the token file gives "expired" too',
    );
  }
  if (reason.includes('could not load backend configuration')) {
    return fail(
      'login',
      `${refused}: the auth method is mounted but not configured`,
      `vault write ${at}/config kubernetes_host=https://kubernetes.default.svc:443 (plus kubernetes_ca_cert when Vault runs outside the cluster)`,
    );
  }
  if (!needsProbing(reason)) {
    return fail('login', refused, `check ${role} and ${at}/config (vault read both)`);
  }
  return diagnosePermissionDenied(login, refused);
}

function diagnosePermissionDenied(login: RefusedLogin, refused: string): CheckResult {
  const at = `auth/${login.mount}`;
  const who = `${login.namespace ?? '?'}:${login.serviceAccount ?? '?'}`;
  if (login.mounted === false) {
    return fail(
      'login',
      `${refused}: no auth method is mounted at ${at} (Vault answers "permission denied" for a path nothing handles)`,
      `pass the right --mount / auth.mount (vault auth list), or enable it: vault auth enable -path=${login.mount} kubernetes`,
    );
  }
  const cluster = login.cluster;
  if (cluster?.kind === 'token-refused') {
    return fail(
      'login',
      `${refused}: the Kubernetes API no longer accepts this pod's token, so Vault's TokenReview failed with "lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token" (in Vault's log)`,
      `the service account ${who} was deleted, or deleted and recreated: recreate it if it is gone, then restart the pod so kubelet mounts a token for the current one (kubectl -n ${login.namespace ?? '<namespace>'} get serviceaccount ${login.serviceAccount ?? '<name>'})`,
    );
  }
  const bind =
    'kubectl create clusterrolebinding vault-token-reviewer --clusterrole=system:auth-delegator --serviceaccount=<vault-namespace>:<vault-service-account>';
  if (cluster?.kind === 'token-accepted') {
    const own =
      cluster.canCreateTokenReviews === false
        ? ` If ${at}/config has no token_reviewer_jwt and Vault runs outside the cluster, Vault reviews with this pod's own token, and ${who} may not create TokenReviews either.`
        : '';
    return fail(
      'login',
      `${refused}: the cluster accepts this pod's token, so Vault's own TokenReview call was refused: Vault's token reviewer lacks the system:auth-delegator role.${own}`,
      `${bind} (the service account behind token_reviewer_jwt, or Vault's own pod's); ${own ? `or bind ${who} the same way; ` : ''}if that is in place, check that kubernetes_host and kubernetes_ca_cert in ${at}/config name this cluster`,
    );
  }
  const why = cluster?.kind === 'unknown' ? ` (the Kubernetes API could not be asked: ${cluster.why})` : '';
  return fail(
    'login',
    `${refused}: Vault could not verify the JWT with the cluster${why}. The usual causes, most likely first: Vault's token reviewer lacks system:auth-delegator; the service account ${who} was deleted or recreated since the token was issued (Vault logs "lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token"); ${at}/config points at another cluster (kubernetes_host, kubernetes_ca_cert) or has pem_keys that did not sign this token; the role's token_bound_cidrs exclude this pod`,
    `run doctor inside the pod (or pass --kubernetes-host) so it can ask the Kubernetes API which it is; or read Vault's log at debug level. For the reviewer: ${bind}`,
  );
}
