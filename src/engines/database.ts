import * as z from 'zod';
import { InvalidRequestError } from '../errors';
import type { DatabaseCredentialTypes, StaticDatabaseCredentials } from '../types/engines';
import type { CallOptions } from '../types/requests';
import type { Secret, SecretListener, Subscription } from '../types/secret';
import { callOptions, type EngineClient, mountPath, segment } from './engine-client';
import { expectShape } from './response-shape';

/** The answer of `creds/<role>` for each credential_type (path_creds_create.go). */
const DYNAMIC = {
  password: z.object({ username: z.string(), password: z.string() }),
  rsa_private_key: z.object({ username: z.string(), rsa_private_key: z.string() }),
  client_certificate: z.object({
    username: z.string(),
    client_certificate: z.string(),
    private_key: z.string(),
    private_key_type: z.string(),
  }),
} as const;

type CredentialType = keyof DatabaseCredentialTypes;
/** Per-call options plus the role's `credential_type` (default `password`). */
type CredentialOptions<T extends CredentialType> = CallOptions & { type?: T | undefined };

function dynamicShape(type: unknown): z.ZodType {
  if (type === undefined) return DYNAMIC.password;
  if (typeof type === 'string' && Object.hasOwn(DYNAMIC, type)) return DYNAMIC[type as CredentialType];
  throw new InvalidRequestError(
    `database: type must be "password", "rsa_private_key" or "client_certificate", got ${JSON.stringify(type)}`,
  );
}
const Static = z.object({
  username: z.string(),
  password: z.string(),
  last_vault_rotation: z.string(),
  rotation_period: z.number(),
  ttl: z.number(),
});

/**
 * Typed, managed credentials from a database mount (`vault.database('database')`), kept valid
 * like `secret()`: dynamic credentials have their lease renewed and are replaced before their
 * max TTL; static credentials are read again just after Vault rotates them. `watch*` hands each
 * new pair to a listener, which is where a connection pool swaps its credentials.
 */
export class DatabaseEngine {
  readonly mount: string;
  readonly #client: EngineClient;

  constructor(client: EngineClient, mount: string) {
    this.#client = client;
    this.mount = mountPath(mount, 'database');
  }

  /**
   * Dynamic credentials for `role` (`<mount>/creds/<role>`), cached and kept alive. `type` is the
   * role's `credential_type`: a username and password by default, a key pair
   * (`rsa_private_key`) or a client certificate and key (`client_certificate`).
   * @throws ResponseShapeError when Vault's answer lacks the fields of that credential type.
   * @example const { data } = await vault.database().credentials('app'); // data.username, data.password
   */
  async credentials<T extends CredentialType = 'password'>(
    role: string,
    options: CredentialOptions<T> = {},
  ): Promise<Secret<DatabaseCredentialTypes[T]>> {
    const shape = dynamicShape(options.type);
    const path = this.#path('creds', role);
    return checked(await this.#client.secret(path, callOptions(options)), shape, path) as Secret<
      DatabaseCredentialTypes[T]
    >;
  }

  /** Static-role credentials (`<mount>/static-creds/<role>`), re-read after each rotation. */
  async staticCredentials(
    role: string,
    options: CallOptions = {},
  ): Promise<Secret<StaticDatabaseCredentials>> {
    const path = this.#path('static-creds', role);
    return checked(await this.#client.secret(path, callOptions(options)), Static, path);
  }

  /**
   * Dynamic credentials now and at every replacement (max TTL, lost lease, new login). A value
   * without the fields of the credential type is reported as an `error` event and not handed over.
   */
  watchCredentials<T extends CredentialType = 'password'>(
    role: string,
    listener: SecretListener<DatabaseCredentialTypes[T]>,
    options: CredentialOptions<T> = {},
  ): Subscription<DatabaseCredentialTypes[T]> {
    const shape = dynamicShape(options.type) as z.ZodType<DatabaseCredentialTypes[T]>;
    return this.#watch(this.#path('creds', role), shape, listener, options);
  }

  /** Static-role credentials now and after every rotation. */
  watchStaticCredentials(
    role: string,
    listener: SecretListener<StaticDatabaseCredentials>,
    options: CallOptions = {},
  ): Subscription<StaticDatabaseCredentials> {
    return this.#watch(this.#path('static-creds', role), Static, listener, options);
  }

  #path(kind: 'creds' | 'static-creds', role: string): string {
    return `${this.mount}/${kind}/${segment(role, 'database role name')}`;
  }

  #watch<T>(
    path: string,
    shape: z.ZodType<T>,
    listener: SecretListener<T>,
    options: CallOptions,
  ): Subscription<T> {
    const subscription = this.#client.watch(
      path,
      (secret, change) =>
        // A throw here reaches the client's listener handling: an `error` event, upkeep goes on.
        listener(
          checked(secret, shape, path),
          change && { ...change, previous: change.previous as Secret<T> },
        ),
      callOptions(options),
    );
    return subscription as unknown as Subscription<T>;
  }
}

/** The secret with its data checked against the engine's documented shape. */
function checked<T>(secret: Secret, shape: z.ZodType<T>, path: string): Secret<T> {
  expectShape(shape, secret.data, path);
  return secret as unknown as Secret<T>;
}
