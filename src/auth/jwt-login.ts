import type { VaultResponseError } from '../errors';
import type { Transport } from '../http/transport';
import type { AuthBlock } from '../http/vault-response';
import type { Redactor } from '../internal/redact';
import type { CallOptions } from '../types/requests';
import { describeClaims, loginError, reasonOf, showClaim } from './login-refusal';
import { postLogin } from './login-request';
import type { LoadedJwt } from './service-account-token';

export interface JwtLogin {
  mount: string;
  role: string;
  loaded: LoadedJwt;
}

/**
 * `auth/<mount>/login` of Vault's JWT auth method (vault-plugin-auth-jwt) with a JWT, typically
 * the pod's projected service-account token. A refusal becomes a VaultLoginError naming the role,
 * what the JWT says (audience, issuer, subject, expiry, the claim the role binds) and what to change.
 */
export function jwtLogin(
  transport: Transport,
  login: JwtLogin,
  redactor: Redactor,
  call?: CallOptions,
): Promise<AuthBlock> {
  return postLogin(
    transport,
    { mount: login.mount, body: { role: login.role, jwt: login.loaded.jwt }, kind: 'idempotent-write', call },
    (error) => refusal(error, login, redactor),
  );
}

function refusal(error: VaultResponseError, login: JwtLogin, redactor: Redactor) {
  const reason = reasonOf(error, redactor);
  const { claims } = login.loaded;
  const message = `Vault refused JWT login for role "${login.role}" at auth/${login.mount}: ${reason}. ${describeClaims(claims)}. ${hint(reason, login)}`;
  return loginError(
    message,
    { method: 'jwt', role: login.role, mount: login.mount, status: error.status, reason, claims },
    error,
  );
}

/** What to change, from the plugin's own words (path_login.go, claims.go, cap's jwt validator). */
function hint(reason: string, login: JwtLogin): string {
  const mount = `auth/${login.mount}`;
  const role = `${mount}/role/${login.role}`;
  const { claims, payload } = login.loaded;
  const audiences = JSON.stringify(claims.audience);
  if (/role ".*" could not be found/.test(reason)) {
    return `No role "${login.role}" exists at ${mount}: create it (vault write ${role} role_type=jwt user_claim=sub bound_audiences=... policies=...) or fix auth.role.`;
  }
  if (reason.includes('role with oidc role_type is not allowed')) {
    return `The role is an OIDC (browser) role: set role_type=jwt on ${role}.`;
  }
  if (
    reason.includes('could not load configuration') ||
    reason.includes('error configuring token validator')
  ) {
    return `The JWT auth method is not configured to verify tokens: vault write ${mount}/config oidc_discovery_url=<the cluster's issuer> (or jwks_url=..., or jwt_validation_pubkeys=...).`;
  }
  if (reason.includes('error verifying token signature')) {
    return `Vault cannot verify the JWT's signature with the keys configured at ${mount}/config: point oidc_discovery_url or jwks_url at the issuer ${claims.issuer ?? '(none in the JWT)'}, or update jwt_validation_pubkeys after a key rotation.`;
  }
  if (reason.includes('invalid issuer')) {
    return `bound_issuer at ${mount}/config is not the JWT's issuer: set it to ${JSON.stringify(claims.issuer ?? '')} (kubectl get --raw /.well-known/openid-configuration shows the cluster's).`;
  }
  if (reason.includes('audience claim found in JWT but no audiences bound')) {
    return `The role has no bound_audiences while the JWT has audiences ${audiences}: set bound_audiences on ${role} to one of them.`;
  }
  if (reason.includes('invalid audience')) {
    return `None of the JWT's audiences ${audiences} is in bound_audiences of ${role}: add one, or mount a projected token with the role's audience (serviceAccountToken.audience).`;
  }
  if (reason.includes('invalid subject')) {
    return `bound_subject of ${role} is not the JWT's subject ${JSON.stringify(claims.subject ?? '')}: change it, or run as the subject it names.`;
  }
  const bound = /claim "([^"]+)" (?:does not match any associated bound claim values|is missing)/.exec(
    reason,
  );
  if (bound) {
    const name = bound[1]!;
    return `bound_claims of ${role} requires claim "${name}", which ${showClaim(payload, name)}: compare with vault read ${role}.`;
  }
  const user = /claim "([^"]+)" (?:not found in token|could not be converted to string)/.exec(reason);
  if (user) {
    return `user_claim of ${role} names "${user[1]}", which ${showClaim(payload, user[1]!)}: set user_claim=sub (or a claim the JWT carries as a string).`;
  }
  if (
    reason.includes('expired') ||
    reason.includes('not yet valid') ||
    reason.includes('issued in the future')
  ) {
    return "Vault judges the JWT's time claims wrong: check for clock skew between this pod, the issuer and Vault, and that the token file is being refreshed.";
  }
  if (reason.includes('no handler for route') || reason.includes('permission denied')) {
    return `No JWT auth method answers at ${mount}, or its bound_cidrs exclude this client: enable it (vault auth enable -path=${login.mount} jwt) or fix auth.mount (vault auth list).`;
  }
  return `Check ${role} and ${mount}/config.`;
}
