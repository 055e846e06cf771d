import * as z from 'zod';
import type { DatabaseCredentials, StaticDatabaseCredentials } from '../types/engines';
import type { CallOptions } from '../types/requests';
import type { Secret, SecretListener, Subscription } from '../types/secret';
import { callOptions, type EngineClient, mountPath, segment } from './engine-client';
import { expectShape } from './response-shape';

const Dynamic = z.object({ username: z.string(), password: z.string() });
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
   * Dynamic credentials for `role` (`<mount>/creds/<role>`), cached and kept alive.
   * @throws ResponseShapeError when Vault's answer has no string username and password.
   * @example const { data } = await vault.database().credentials('app'); // data.username, data.password
   */
  async credentials(role: string, options: CallOptions = {}): Promise<Secret<DatabaseCredentials>> {
    const path = this.#path('creds', role);
    return checked(await this.#client.secret(path, callOptions(options)), Dynamic, path);
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
   * that is not a username and password is reported as an `error` event and not handed over.
   */
  watchCredentials(
    role: string,
    listener: SecretListener<DatabaseCredentials>,
    options: CallOptions = {},
  ): Subscription<DatabaseCredentials> {
    return this.#watch(this.#path('creds', role), Dynamic, listener, options);
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
