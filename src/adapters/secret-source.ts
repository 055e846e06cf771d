import type { Secret, SecretListener, Subscription } from 'vault-kubernetes-client';

/**
 * Where an adapter gets its credentials: the client is one, and any source with the same two
 * methods can feed a pool (contract C1; surface's src/types/ will own the shared declaration).
 * `rotate` is optional: with it, an adapter that sees the database refuse its credentials asks
 * for new ones at once instead of waiting for the next renewal to find the lease gone.
 */
export interface SecretSource {
  secret(path: string): Promise<Secret<Record<string, unknown>>>;
  watch(
    path: string,
    listener: SecretListener<Record<string, unknown>>,
  ): Subscription<Record<string, unknown>>;
  rotate?(path: string): Promise<unknown>;
}

/** What a pool logs in with. */
export interface DatabaseLogin {
  user: string;
  password: string;
}

/** Vault's database engine answers `{ username, password }`; other secrets map their own shape. */
export type LoginMapper = (data: Record<string, unknown>) => DatabaseLogin;

export const defaultLogin: LoginMapper = (data) => {
  const user = data.username;
  const password = data.password;
  if (typeof user !== 'string' || typeof password !== 'string') {
    throw new TypeError(
      'the secret has no string `username` and `password`: pass a `login` mapper for its shape',
    );
  }
  return { user, password };
};
