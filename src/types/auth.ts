/**
 * How the client gets its Vault token. `auth` is a union discriminated by `method`; `kubernetes`
 * is the default when only `role` is given. Every optional field accepts `undefined` as "not set",
 * so values straight from `process.env` typecheck under `exactOptionalPropertyTypes`.
 */
export type AuthOptions = KubernetesAuthOptions | TokenAuthOptions;

/** The auth methods the client logs in with; `token` covers a given token and one found in the environment. */
export type AuthMethod = 'kubernetes' | 'jwt' | 'approle' | 'token';

/**
 * Where a JWT (or an AppRole secret id) comes from when it is not a file: the value itself, or a
 * function called at every login. A function that does not settle within `timeouts.requestMs`
 * fails the login with a typed error.
 */
export type CredentialSource = string | (() => string | Promise<string>);

/** @deprecated Use {@link CredentialSource}; kept because 0.1 exported it under this name. */
export type JwtSource = CredentialSource;

/**
 * Vault's Kubernetes auth method: the pod's service-account token, checked by Vault through the
 * TokenReview API.
 *
 * @example
 * ```ts
 * new VaultKubernetesClient({ auth: { role: 'my-app' } });
 * ```
 */
export interface KubernetesAuthOptions {
  /** @default 'kubernetes' (when `role` is given and `method` is not) */
  method?: 'kubernetes' | undefined;
  /** The Vault role, as in `vault write auth/kubernetes/role/<role>`. */
  role: string;
  /**
   * Where the auth method is mounted, without `auth/`.
   * @default 'kubernetes'
   */
  mount?: string | undefined;
  /**
   * The service-account token file, re-read at every login (kubelet rotates it in place).
   * @default '/var/run/secrets/kubernetes.io/serviceaccount/token'
   */
  tokenPath?: string | undefined;
  /** A JWT, or a function returning one, instead of the file. */
  jwt?: CredentialSource | undefined;
}

/**
 * A Vault token given directly. A token from here is never revoked by `close({ revoke: true })`:
 * the client did not create it. Without any `auth` at all the client uses `VAULT_TOKEN`.
 *
 * @example
 * ```ts
 * new VaultKubernetesClient({ auth: { method: 'token', token: process.env.VAULT_TOKEN ?? '' } });
 * ```
 */
export interface TokenAuthOptions {
  method: 'token';
  /** A Vault token, for local development (`vault server -dev`, the mock Vault). */
  token: string;
}

/** What a JWT says about who presents it; read without verifying, for diagnosis only. */
export interface ServiceAccountClaims {
  /** `kubernetes.io.namespace` (or the legacy flat claim). */
  namespace: string | undefined;
  /** `kubernetes.io.serviceaccount.name` (or the legacy flat claim). */
  serviceAccount: string | undefined;
  /** `aud`, always as a list. */
  audience: string[];
  /** `iss`. */
  issuer: string | undefined;
  /** `sub`, e.g. `system:serviceaccount:<namespace>:<name>`. */
  subject?: string | undefined;
  /** `exp` as epoch ms. */
  expiresAt: number | undefined;
  /** `nbf` as epoch ms, when the JWT has one. */
  notBefore?: number | undefined;
}

/** What the app may know about the current token: never the token itself. */
export interface TokenInfo {
  /** How the token was obtained. */
  method: AuthMethod;
  /** The token's accessor: safe to log, enough to look it up or revoke it with the right policy. */
  accessor: string;
  policies: readonly string[];
  renewable: boolean;
  /** Remaining lifetime, or undefined for a token that never expires. */
  ttlMs: number | undefined;
  /** Epoch ms on the client's clock, or undefined for a token that never expires. */
  expiresAt: number | undefined;
}
