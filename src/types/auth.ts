/**
 * How the client gets its Vault token. `auth` is a union discriminated by `method`; `kubernetes`
 * is the default when only `role` is given. Every optional field accepts `undefined` as "not set",
 * so values straight from `process.env` typecheck under `exactOptionalPropertyTypes`.
 */
export type AuthOptions = KubernetesAuthOptions | JwtAuthOptions | AppRoleAuthOptions | TokenAuthOptions;

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
  /**
   * The Vault Enterprise namespace the auth method is mounted in, when it is not the client's
   * `namespace` (a token from a parent namespace can act in its children).
   * @default the client's `namespace`
   */
  namespace?: string | undefined;
}

/**
 * Vault's JWT auth method with the pod's projected service-account token: for clusters that are an
 * OIDC provider, where Vault checks the token's signature itself (no TokenReview call).
 *
 * @example
 * ```ts
 * new VaultKubernetesClient({ auth: { method: 'jwt', role: 'my-app', tokenPath: '/var/run/secrets/vault/token' } });
 * ```
 */
export interface JwtAuthOptions {
  method: 'jwt';
  /** The role, as in `vault write auth/jwt/role/<role> role_type=jwt ...`. */
  role: string;
  /**
   * Where the auth method is mounted, without `auth/`.
   * @default 'jwt'
   */
  mount?: string | undefined;
  /**
   * The JWT file, re-read at every login.
   * @default '/var/run/secrets/kubernetes.io/serviceaccount/token'
   */
  tokenPath?: string | undefined;
  /** A JWT, or a function returning one, instead of the file. */
  jwt?: CredentialSource | undefined;
  /**
   * The Vault Enterprise namespace the auth method is mounted in, when it is not the client's
   * `namespace` (a token from a parent namespace can act in its children).
   * @default the client's `namespace`
   */
  namespace?: string | undefined;
}

/**
 * Vault's AppRole auth method, for workloads outside Kubernetes and CI jobs. Give the role id and
 * one of `secretId`, `secretIdFile` (re-read at every login) or `wrappedSecretId` (a response-wrapping
 * token, unwrapped once through `sys/wrapping/unwrap`). A role with `bind_secret_id=false` needs none.
 *
 * @example
 * ```ts
 * new VaultKubernetesClient({
 *   auth: { method: 'approle', roleId: process.env.ROLE_ID ?? '', secretIdFile: '/run/secrets/secret-id' },
 * });
 * ```
 */
export interface AppRoleAuthOptions {
  method: 'approle';
  /** The role id (`vault read auth/approle/role/<name>/role-id`); not a secret on its own. */
  roleId?: string | undefined;
  /** A file holding the role id, read at every login; instead of `roleId`. */
  roleIdFile?: string | undefined;
  /** The secret id, or a function called at every login that returns one. */
  secretId?: CredentialSource | undefined;
  /** A file holding the secret id, re-read at every login. */
  secretIdFile?: string | undefined;
  /** A response-wrapping token whose wrapped answer holds the secret id (`vault write -wrap-ttl=...`). */
  wrappedSecretId?: string | undefined;
  /**
   * Where the auth method is mounted, without `auth/`.
   * @default 'approle'
   */
  mount?: string | undefined;
  /**
   * The Vault Enterprise namespace the auth method is mounted in, when it is not the client's
   * `namespace` (a token from a parent namespace can act in its children).
   * @default the client's `namespace`
   */
  namespace?: string | undefined;
}

/**
 * A Vault token given directly, or a file holding one (the Vault Agent Injector's
 * `agent-inject-token`), re-read when Vault refuses the token and before its TTL runs out, so a
 * token the Agent rewrote is picked up. A token from here is never revoked by
 * `close({ revoke: true })`: the client did not create it.
 *
 * Without any `auth` at all the client looks, like the Vault CLI does, at `VAULT_TOKEN`, then at
 * the `token_helper` configured in `~/.vault` (or `VAULT_CONFIG_PATH`), then at `~/.vault-token`,
 * and logs which one it used (never the token).
 *
 * @example
 * ```ts
 * new VaultKubernetesClient({ auth: { method: 'token', tokenPath: '/vault/secrets/agent-inject-token' } });
 * ```
 */
export interface TokenAuthOptions {
  method: 'token';
  /** A Vault token, for local development (`vault server -dev`, the mock Vault). */
  token?: string | undefined;
  /** A file holding the token instead, re-read when it changes. */
  tokenPath?: string | undefined;
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
