import { EventEmitter } from 'node:events';
import type * as Pg from 'pg';
import { type DrainedEvent, type PoolGeneration, RotatingPools, type RotationEvent } from './rotating-pools';
import type { LoginMapper, SecretSource } from './secret-source';

export type { DrainedEvent, RotationEvent } from './rotating-pools';

/** node-postgres options for every pool, less the credentials, which come from Vault. */
export interface VaultPgPoolConfig extends Omit<Pg.PoolConfig, 'user' | 'password' | 'connectionString'> {
  /** Maps the secret's data to a login; Vault's `{ username, password }` by default. */
  login?: LoginMapper | undefined;
  /** A `pg` module to build pools with (the one the app imports, if it pins its own). */
  pg?: { Pool: typeof Pg.Pool } | undefined;
}

const PASSTHROUGH_EVENTS = ['connect', 'acquire', 'remove', 'release', 'error'] as const;

/**
 * A pg.Pool whose database user follows Vault. The same API (`query`, `connect` giving a client
 * with `query` and `release`, `end`, the pool events) over one real pg.Pool per lease: a new
 * checkout always goes to the newest credentials, the previous pool finishes its queries and
 * transactions and ends, and only then may the client revoke the old lease.
 *
 * Extra events: `rotate` (RotationEvent) when new credentials take over, `drained`
 * (DrainedEvent) when the previous pool has ended.
 */
export class VaultPgPool extends EventEmitter {
  readonly #pools: RotatingPools<Pg.Pool>;
  readonly #poolConfig: Pg.PoolConfig;

  constructor(source: SecretSource, path: string, config: VaultPgPoolConfig = {}) {
    super();
    const { login, pg, ...poolConfig } = config;
    this.#poolConfig = poolConfig;
    let Pool: typeof Pg.Pool | undefined = pg?.Pool;
    const loading = Pool ? undefined : loadPg().then((m) => (Pool = m.Pool));
    // Reported by the first pool made, not as an unhandled rejection now.
    loading?.catch(() => undefined);
    this.#pools = new RotatingPools<Pg.Pool>({
      source,
      path,
      login,
      // Synchronous once the driver is loaded, so new credentials take over within the listener call.
      create: (login) => (Pool ? this.#make(Pool, login) : loading!.then((P) => this.#make(P, login))),
      end: (pool) => pool.end(),
      onRotate: (event: RotationEvent) => this.emit('rotate', event),
      onDrained: (event: DrainedEvent) => this.emit('drained', event),
      onError: (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      },
    });
  }

  #make(Pool: typeof Pg.Pool, { user, password }: { user: string; password: string }): Pg.Pool {
    const pool = new Pool({ ...this.#poolConfig, user, password });
    for (const event of PASSTHROUGH_EVENTS) {
      pool.on(event, (...args: unknown[]) => {
        // An idle client's error must not crash the app when nobody listens, as pg would.
        if (event === 'error' && this.listenerCount('error') === 0) return;
        this.emit(event, ...args);
      });
    }
    return pool;
  }

  /** Resolves once the first credentials arrived (queries wait for them by themselves). */
  async ready(): Promise<void> {
    await this.#pools.acquire();
  }

  /** pg.Pool#query: promise form, or with a callback as its last argument. */
  query<R extends Pg.QueryResultRow = Pg.QueryResultRow>(
    text: string | Pg.QueryConfig,
    values?: unknown[],
  ): Promise<Pg.QueryResult<R>>;
  query(
    text: string | Pg.QueryConfig,
    callback: (error: Error | null, result?: Pg.QueryResult) => void,
  ): void;
  query(
    text: string | Pg.QueryConfig,
    values: unknown[],
    callback: (error: Error | null, result?: Pg.QueryResult) => void,
  ): void;
  query(text: string | Pg.QueryConfig, ...rest: unknown[]): Promise<Pg.QueryResult> | undefined {
    const callback =
      typeof rest.at(-1) === 'function' ? (rest.pop() as (e: Error | null, r?: unknown) => void) : undefined;
    const values = rest[0] as unknown[] | undefined;
    const result = this.#pools.run((g) => g.pool.query(text as string, values));
    if (!callback) return result;
    result.then(
      (r) => callback(null, r),
      (e: Error) => callback(e),
    );
    return undefined;
  }

  /** A client of the newest pool; its `release()` lets a draining pool finish. */
  async connect(): Promise<Pg.PoolClient> {
    const generation = await this.#pools.acquire();
    generation.active += 1;
    let client: Pg.PoolClient;
    try {
      client = await generation.pool.connect();
    } catch (error) {
      this.#pools.untrack(generation);
      throw error;
    }
    return this.#counted(generation, client);
  }

  #counted(generation: PoolGeneration<Pg.Pool>, client: Pg.PoolClient): Pg.PoolClient {
    const release = client.release.bind(client);
    let released = false;
    client.release = (error?: Error | boolean) => {
      if (!released) {
        released = true;
        this.#pools.untrack(generation);
      }
      return release(error);
    };
    return client;
  }

  /** Stops following Vault and ends every pool once its clients are released. */
  async end(): Promise<void> {
    await this.#pools.end();
  }

  /** The user new work goes to (undefined before the first credentials). */
  get user(): string | undefined {
    return this.#pools.current?.login.user;
  }

  get totalCount(): number {
    return this.#sum((p) => p.totalCount);
  }

  get idleCount(): number {
    return this.#sum((p) => p.idleCount);
  }

  get waitingCount(): number {
    return this.#sum((p) => p.waitingCount);
  }

  /** Pools alive now: 1 in steady state, 2 while a previous one drains. */
  get poolCount(): number {
    return this.#pools.generations.length;
  }

  #sum(count: (pool: Pg.Pool) => number): number {
    return this.#pools.generations.reduce((total, g) => total + count(g.pool), 0);
  }
}

/** `pg` is an optional peer dependency: loaded when the first pool is made, with a clear error. */
async function loadPg(): Promise<typeof Pg> {
  try {
    const loaded = (await import('pg')) as typeof Pg & { default?: typeof Pg };
    return loaded.default ?? loaded;
  } catch {
    throw new Error('vault-kubernetes-client/pg needs the "pg" package: npm install pg');
  }
}
