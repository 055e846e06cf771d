import { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import { type DrainedEvent, type PoolGeneration, RotatingPools, type RotationEvent } from './rotating-pools';
import type { DatabaseLogin, LoginMapper, SecretSource } from './secret-source';

export type { DrainedEvent, RotationEvent } from './rotating-pools';

type WithoutCredentials<T> = T extends unknown
  ? Omit<T, 'user' | 'password' | 'connectionString' | 'expirationChecker'>
  : never;

/** knex connection settings for every connection, less the credentials, which come from Vault. */
export type KnexConnectionSettings = WithoutCredentials<
  Knex.PgConnectionConfig | Knex.MySql2ConnectionConfig | Knex.MySqlConnectionConfig
>;

export interface KnexCredentialsOptions {
  /** Maps the secret's data to a login; Vault's `{ username, password }` by default. */
  login?: LoginMapper | undefined;
}

/** A driver connection as knex's pool holds it (a pg Client, a mysql2 Connection). */
type RawConnection = object & {
  end(callback: (error?: unknown) => void): unknown;
  __knexUid?: string;
};

/** The connections knex made with one lease's credentials. */
interface Credentials {
  readonly login: DatabaseLogin;
  readonly connections: Set<RawConnection>;
  /** Resolves the wait of `end` once the last connection is gone. */
  gone?: (() => void) | undefined;
}

/** What this follows: the events of knex's pool (tarn), which carry the connection, and knex's own. */
interface Events {
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
}

/**
 * Credentials for knex (3.2+) that follow Vault. `connection` is knex's async connection
 * function: it resolves the current credentials with an `expirationChecker` that turns true as
 * soon as they are replaced, so knex asks again before its next new connection. `pool()` adds a
 * `validate` that retires a connection of replaced credentials instead of handing it out, and
 * `attach(db)` follows knex's pool so that those connections close as soon as they are idle:
 * at once when idle at the rotation, at their release when in use (a transaction finishes on
 * the old user). Only when the last one is gone does the watch listener settle, and so only
 * then may the client revoke the old lease.
 *
 * Events: `rotate` (RotationEvent), `drained` (DrainedEvent), `error`.
 */
export class KnexCredentials extends EventEmitter {
  readonly #settings: KnexConnectionSettings;
  readonly #pools: RotatingPools<Credentials>;
  readonly #ofConnection = new WeakMap<RawConnection, PoolGeneration<Credentials>>();
  readonly #byUid = new Map<string, PoolGeneration<Credentials>>();
  /** Connections validated for a checkout and not yet released: not to be closed under a caller. */
  readonly #claimed = new Set<RawConnection>();
  readonly #closing = new WeakSet<RawConnection>();
  #detach: (() => void) | undefined;

  constructor(
    source: SecretSource,
    path: string,
    settings: KnexConnectionSettings = {},
    options: KnexCredentialsOptions = {},
  ) {
    super();
    this.#settings = settings;
    this.#pools = new RotatingPools<Credentials>({
      source,
      path,
      login: options.login,
      create: (login) => ({ login, connections: new Set() }),
      retire: (credentials) => this.#closeIdle(credentials),
      end: (credentials) => this.#closeAll(credentials),
      onRotate: (event: RotationEvent) => this.emit('rotate', event),
      onDrained: (event: DrainedEvent) => this.emit('drained', event),
      onError: (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      },
    });
  }

  /**
   * knex's `connection` option: the settings with the current credentials (the first call waits
   * for them) and an `expirationChecker` that is true once they have been replaced.
   */
  readonly connection = async (): Promise<Knex.StaticConnectionConfig> => {
    const generation = await this.#pools.acquire();
    if (!this.#detach) {
      throw new Error(
        'vault-kubernetes-client/knex: call credentials.attach(db) on the knex instance, so that connections of replaced credentials are closed and the old lease revoked after them',
      );
    }
    const { user, password } = generation.login;
    const settings = {
      ...this.#settings,
      user,
      expirationChecker: () => generation !== this.#pools.current,
    } as Knex.StaticConnectionConfig;
    // Knex keeps these settings on its client: the password is read by the driver, but kept out
    // of util.inspect, JSON.stringify and log lines that print the settings.
    Object.defineProperty(settings, 'password', { value: password, enumerable: false });
    return settings;
  };

  /**
   * knex's `pool` option: yours, with a `validate` that refuses connections of replaced
   * credentials (after which knex closes them and makes new ones), then runs your own.
   */
  pool(options: Knex.PoolConfig = {}): Knex.PoolConfig {
    const own = options.validate;
    return {
      ...options,
      validate: async (connection: RawConnection) => {
        // Back in the pool without a release (its checkout was abandoned during validation).
        this.#unclaim(connection);
        const generation = this.#generationOf(connection);
        if (!generation || generation !== this.#pools.current) return false;
        if (own && !(await own(connection))) return false;
        // Counted from here, not from knex's later acquire event: a rotation in between must
        // not close a connection that is already on its way to a caller.
        if (generation !== this.#pools.current) return false;
        this.#claimed.add(connection);
        generation.active += 1;
        return true;
      },
    };
  }

  /** Follows `db`'s pool; returns `db`. Call it once, right after `knex(...)`. */
  attach<K extends Knex>(db: K): K {
    if (this.#detach) throw new Error('vault-kubernetes-client/knex: these credentials are already attached');
    const pool = (db as unknown as { client?: { pool?: Events } }).client?.pool;
    if (!pool) {
      throw new Error(
        'vault-kubernetes-client/knex: this knex instance has no pool of its own (give it `connection: credentials.connection`, not `connectionPool`)',
      );
    }
    const created = (_id: number, connection: RawConnection) => this.#created(connection);
    const released = (connection: RawConnection) => this.#released(connection);
    const destroyed = (_id: number, connection: RawConnection) => this.#gone(connection);
    const createFailed = (_id: number, error: unknown) => this.#failed(this.#pools.current, error);
    const queryFailed = (error: unknown, query: { __knexUid?: string }) =>
      this.#failed(query?.__knexUid ? this.#byUid.get(query.__knexUid) : undefined, error);
    const listeners: [Events, string, (...args: never[]) => void][] = [
      [pool, 'createSuccess', created],
      [pool, 'release', released],
      [pool, 'destroySuccess', destroyed],
      [pool, 'destroyFail', destroyed],
      [pool, 'createFail', createFailed],
      [db as unknown as Events, 'query-error', queryFailed],
    ];
    for (const [emitter, event, listener] of listeners) emitter.on(event, listener);
    this.#detach = () => {
      for (const [emitter, event, listener] of listeners) emitter.removeListener(event, listener);
    };
    return db;
  }

  /** Resolves once the first credentials arrived (knex waits for them by itself too). */
  async ready(): Promise<void> {
    await this.#pools.acquire();
  }

  /** The user new connections log in as (undefined before the first credentials). */
  get user(): string | undefined {
    return this.#pools.current?.login.user;
  }

  /** Sets of credentials with connections alive: 1 in steady state, 2 while the old drain. */
  get generationCount(): number {
    return this.#pools.generations.length;
  }

  /**
   * Stops following Vault and closes this side's connections once released. Call it after
   * `db.destroy()`, which closes knex's own.
   */
  async close(): Promise<void> {
    await this.#pools.end();
    this.#detach?.();
  }

  #created(connection: RawConnection): void {
    const generation = this.#generationOf(connection);
    if (!generation) return;
    generation.pool.connections.add(connection);
    if (connection.__knexUid) this.#byUid.set(connection.__knexUid, generation);
  }

  #released(connection: RawConnection): void {
    const generation = this.#ofConnection.get(connection);
    this.#unclaim(connection);
    // A transaction on the old user has finished: that connection goes now.
    if (generation?.draining) this.#close(generation.pool, connection);
  }

  #unclaim(connection: RawConnection): void {
    if (!this.#claimed.delete(connection)) return;
    const generation = this.#ofConnection.get(connection);
    if (generation) this.#pools.untrack(generation);
  }

  #gone(connection: RawConnection): void {
    this.#unclaim(connection);
    if (connection.__knexUid) this.#byUid.delete(connection.__knexUid);
    const credentials = this.#ofConnection.get(connection)?.pool;
    if (!credentials?.connections.delete(connection)) return;
    if (credentials.connections.size === 0) credentials.gone?.();
  }

  #failed(generation: PoolGeneration<Credentials> | undefined, error: unknown): void {
    if (generation) this.#pools.failed(generation, error);
  }

  /** Which credentials a connection logged in with: by its login, as the driver keeps it. */
  #generationOf(connection: RawConnection): PoolGeneration<Credentials> | undefined {
    const known = this.#ofConnection.get(connection);
    if (known) return known;
    const login = loginOf(connection);
    const generation = this.#pools.generations.find(
      (g) => g.login.user === login.user && g.login.password === login.password,
    );
    if (generation) this.#ofConnection.set(connection, generation);
    return generation;
  }

  /** Replaced credentials: close every connection nobody holds (knex discards them later). */
  #closeIdle(credentials: Credentials): void {
    for (const connection of credentials.connections)
      if (!this.#claimed.has(connection)) this.#close(credentials, connection);
  }

  /** Nothing holds a connection of these credentials any more: close the rest, wait for all. */
  async #closeAll(credentials: Credentials): Promise<void> {
    this.#closeIdle(credentials);
    if (credentials.connections.size === 0) return;
    await new Promise<void>((resolve) => (credentials.gone = resolve));
  }

  /**
   * Ends a driver connection that knex's pool still lists as free. `validate` refuses it, so the
   * pool discards it quietly the next time it comes up; knex's own mark of an unexpected end is
   * taken off, or knex would warn "Connection ended unexpectedly" about an end that was meant.
   */
  #close(credentials: Credentials, connection: RawConnection): void {
    if (this.#closing.has(connection)) return;
    this.#closing.add(connection);
    const meant = () => delete (connection as { __knex__disposed?: unknown }).__knex__disposed;
    // pg emits `end` a tick after end()'s callback; knex's listener came first, so this one runs after it.
    (connection as { once?: (event: string, listener: () => void) => void }).once?.('end', meant);
    const done = () => {
      meant();
      if (credentials.connections.delete(connection) && credentials.connections.size === 0)
        credentials.gone?.();
    };
    try {
      connection.end(done);
    } catch {
      done();
    }
  }
}

/** pg's Client keeps `user` and `password` on itself; mysql2 and mysql on `config`. */
function loginOf(connection: object): { user: unknown; password: unknown } {
  const c = connection as {
    user?: unknown;
    password?: unknown;
    config?: { user?: unknown; password?: unknown };
  };
  return c.config && 'user' in c.config
    ? { user: c.config.user, password: c.config.password }
    : { user: c.user, password: c.password };
}
