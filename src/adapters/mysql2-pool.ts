import { EventEmitter } from 'node:events';
import type * as Mysql from 'mysql2/promise';
import { type DrainedEvent, type PoolGeneration, RotatingPools, type RotationEvent } from './rotating-pools';
import type { LoginMapper, SecretSource } from './secret-source';

export type { DrainedEvent, RotationEvent } from './rotating-pools';

/** mysql2 pool options for every pool, less the credentials, which come from Vault. */
export interface VaultMysqlPoolConfig extends Omit<Mysql.PoolOptions, 'user' | 'password' | 'uri'> {
  /** Maps the secret's data to a login; Vault's `{ username, password }` by default. */
  login?: LoginMapper | undefined;
  /** A `mysql2/promise` module to build pools with (the one the app imports). */
  mysql?: { createPool: typeof Mysql.createPool } | undefined;
}

const PASSTHROUGH_EVENTS = ['connection', 'acquire', 'release', 'enqueue'] as const;

/**
 * A mysql2/promise pool whose database user follows Vault: `query`, `execute`, `getConnection`
 * (a connection with `release()`), `end` and the pool events, over one real pool per lease. New
 * work goes to the newest credentials; the previous pool ends only after every connection taken
 * from it is released (mysql2's own `end()` would cut them), then the old lease may be revoked.
 */
export class VaultMysqlPool extends EventEmitter {
  readonly #pools: RotatingPools<Mysql.Pool>;
  readonly #poolConfig: Mysql.PoolOptions;

  constructor(source: SecretSource, path: string, config: VaultMysqlPoolConfig = {}) {
    super();
    const { login, mysql, ...poolConfig } = config;
    this.#poolConfig = poolConfig;
    let create: typeof Mysql.createPool | undefined = mysql?.createPool;
    const loading = create ? undefined : loadMysql().then((m) => (create = m.createPool));
    loading?.catch(() => undefined);
    this.#pools = new RotatingPools<Mysql.Pool>({
      source,
      path,
      login,
      create: (credentials) =>
        create ? this.#make(create, credentials) : loading!.then((c) => this.#make(c, credentials)),
      end: (pool) => pool.end(),
      onRotate: (event: RotationEvent) => this.emit('rotate', event),
      onDrained: (event: DrainedEvent) => this.emit('drained', event),
      onError: (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      },
    });
  }

  #make(create: typeof Mysql.createPool, { user, password }: { user: string; password: string }): Mysql.Pool {
    const pool = create({ ...this.#poolConfig, user, password });
    const core = (pool as unknown as { pool?: EventEmitter }).pool ?? (pool as unknown as EventEmitter);
    for (const event of PASSTHROUGH_EVENTS) core.on(event, (...args: unknown[]) => this.emit(event, ...args));
    return pool;
  }

  async ready(): Promise<void> {
    await this.#pools.acquire();
  }

  query<T extends Mysql.QueryResult = Mysql.QueryResult>(
    sql: string | Mysql.QueryOptions,
    values?: unknown,
  ): Promise<[T, Mysql.FieldPacket[]]> {
    return this.#pools.run((g) => g.pool.query<T>(sql as string, values as never));
  }

  execute<T extends Mysql.QueryResult = Mysql.QueryResult>(
    sql: string | Mysql.QueryOptions,
    values?: unknown,
  ): Promise<[T, Mysql.FieldPacket[]]> {
    return this.#pools.run((g) => g.pool.execute<T>(sql as string, values as never));
  }

  /** A connection of the newest pool; its `release()` lets a draining pool finish. */
  async getConnection(): Promise<Mysql.PoolConnection> {
    const generation = await this.#pools.acquire();
    generation.active += 1;
    let connection: Mysql.PoolConnection;
    try {
      connection = await generation.pool.getConnection();
    } catch (error) {
      this.#pools.untrack(generation);
      throw error;
    }
    return this.#counted(generation, connection);
  }

  #counted(generation: PoolGeneration<Mysql.Pool>, connection: Mysql.PoolConnection): Mysql.PoolConnection {
    const release = connection.release.bind(connection);
    let released = false;
    connection.release = () => {
      if (!released) {
        released = true;
        this.#pools.untrack(generation);
      }
      release();
    };
    return connection;
  }

  async end(): Promise<void> {
    await this.#pools.end();
  }

  get user(): string | undefined {
    return this.#pools.current?.login.user;
  }

  /** Pools alive now: 1 in steady state, 2 while a previous one drains. */
  get poolCount(): number {
    return this.#pools.generations.length;
  }
}

async function loadMysql(): Promise<typeof Mysql> {
  try {
    const loaded = (await import('mysql2/promise')) as typeof Mysql & { default?: typeof Mysql };
    return loaded.default ?? loaded;
  } catch {
    throw new Error('vault-kubernetes-client/mysql2 needs the "mysql2" package: npm install mysql2');
  }
}
