import type { Secret } from 'vault-kubernetes-client';
import { type DatabaseLogin, defaultLogin, type LoginMapper, type SecretSource } from './secret-source';

/** One driver pool, for one lease's credentials. */
export interface PoolGeneration<P> {
  readonly pool: P;
  readonly login: DatabaseLogin;
  readonly leaseId: string | undefined;
  /** Checkouts and queries in flight on this pool. */
  active: number;
  draining: boolean;
}

export interface RotationEvent {
  /** The database user new work goes to from now on. */
  user: string;
  previousUser: string | undefined;
  /** Why Vault's client replaced the credentials (`max-ttl`, `lease-lost`, `relogin`, ...). */
  reason: string | undefined;
}

export interface DrainedEvent {
  user: string;
  /** Milliseconds from the new credentials' arrival to the old pool ended. */
  drainMs: number;
}

export interface RotatingPoolsOptions<P> {
  source: SecretSource;
  path: string;
  login?: LoginMapper | undefined;
  create(login: DatabaseLogin): P | Promise<P>;
  /** Ends a pool once nothing runs on it any more. */
  end(pool: P): Promise<void>;
  /** Told as soon as a pool stops taking new work, before its work in flight has finished. */
  retire?(pool: P): void;
  onRotate?(event: RotationEvent): void;
  onDrained?(event: DrainedEvent): void;
  onError?(error: unknown): void;
}

/**
 * The heart of every pool adapter: one driver pool per lease. New checkouts always go to the
 * newest pool; when Vault's client hands over new credentials, the previous pool takes no more
 * work, waits for its queries and transactions in flight, and ends. The watch listener returns
 * that drain as a promise, so the client revokes the old lease only after it (contract C1; a
 * client without drain support revokes after its grace period).
 */
export class RotatingPools<P> {
  readonly #options: RotatingPoolsOptions<P>;
  readonly #generations = new Set<PoolGeneration<P>>();
  #current: PoolGeneration<P> | undefined;
  #waiters: { resolve(g: PoolGeneration<P>): void; reject(e: unknown): void }[] = [];
  #unsubscribe: (() => void) | undefined;
  #ended = false;
  #lastFailure: unknown;
  #refreshing: string | undefined;
  #making: Promise<void> | undefined;
  readonly #idle = new Map<PoolGeneration<P>, () => void>();

  constructor(options: RotatingPoolsOptions<P>) {
    this.#options = options;
    const subscription = options.source.watch(options.path, (secret, change) =>
      this.#deliver(secret, change?.reason),
    );
    this.#unsubscribe = subscription;
    // A first fetch that fails fails the work waiting for it; later deliveries still come.
    subscription.ready.catch((error: unknown) => this.#fail(error));
  }

  /** Every pool alive now (the current one and those draining). */
  get generations(): readonly PoolGeneration<P>[] {
    return [...this.#generations];
  }

  get current(): PoolGeneration<P> | undefined {
    return this.#current;
  }

  /** The pool new work goes to; the first call waits for the first credentials. */
  acquire(): Promise<PoolGeneration<P>> {
    if (this.#ended) return Promise.reject(new Error('the pool has been ended'));
    if (this.#current) return Promise.resolve(this.#current);
    if (this.#lastFailure) {
      // The first fetch failed: ask again (the client joins its own background retry). A watch
      // whose first fetch failed may not be called for the value that comes later, so the
      // value fetched here is delivered directly.
      return this.#options.source.secret(this.#options.path).then(async (secret) => {
        if (!this.#current) await this.#deliver(secret, undefined)?.catch(() => undefined);
        return this.acquire();
      });
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Runs work on the newest pool, counted so a drain waits for it. */
  async run<T>(work: (generation: PoolGeneration<P>) => Promise<T>): Promise<T> {
    const generation = await this.acquire();
    return this.track(generation, () => work(generation));
  }

  /** Counts work on a pool: a draining pool ends only when nothing counted remains. */
  async track<T>(generation: PoolGeneration<P>, work: () => Promise<T>): Promise<T> {
    generation.active += 1;
    try {
      return await work();
    } catch (error) {
      this.failed(generation, error);
      throw error;
    } finally {
      this.untrack(generation);
    }
  }

  /** Takes back one unit of work (a released client). */
  untrack(generation: PoolGeneration<P>): void {
    generation.active -= 1;
    if (generation.active === 0) this.#idle.get(generation)?.();
  }

  /** Stops watching and ends every pool (a draining one after its work finishes). */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#unsubscribe?.();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(new Error('the pool has been ended'));
    this.#current = undefined;
    await Promise.all([...this.#generations].map((g) => this.#drain(g)));
  }

  /**
   * The watch listener: a new pool for the new credentials, swapped in at once (within the
   * listener call, once the driver is loaded), then the old one drained. Returns the drain.
   */
  #deliver(secret: Secret<Record<string, unknown>>, reason: string | undefined): Promise<void> | undefined {
    // A pool still being made (the driver's first load) is installed before the next one.
    if (this.#making) {
      const after = this.#making.then(() => this.#deliver(secret, reason));
      return after;
    }
    if (this.#ended) return undefined;
    const login = (this.#options.login ?? defaultLogin)(secret.data);
    const previous = this.#current;
    if (previous && previous.login.user === login.user && previous.login.password === login.password)
      return undefined;
    let made: P | Promise<P>;
    try {
      made = this.#options.create(login);
    } catch (error) {
      this.#fail(error);
      throw error;
    }
    if (!(made instanceof Promise)) return this.#install(made, login, secret, reason);
    const making = made.then(
      (pool) => {
        this.#making = undefined;
        return this.#install(pool, login, secret, reason);
      },
      (error: unknown) => {
        this.#making = undefined;
        this.#fail(error);
        throw error;
      },
    );
    this.#making = making.then(
      () => undefined,
      () => undefined,
    );
    return making.then(() => undefined);
  }

  #install(
    pool: P,
    login: DatabaseLogin,
    secret: Secret<Record<string, unknown>>,
    reason: string | undefined,
  ): Promise<void> | undefined {
    if (this.#ended) {
      void this.#options.end(pool).catch(() => undefined);
      return undefined;
    }
    const previous = this.#current;
    const generation: PoolGeneration<P> = {
      pool,
      login,
      leaseId: secret.lease?.id,
      active: 0,
      draining: false,
    };
    this.#generations.add(generation);
    this.#current = generation;
    this.#lastFailure = undefined;
    this.#refreshing = undefined;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.resolve(generation);
    if (!previous) return undefined;
    const handedOver = performance.now();
    // The app's `rotate` listener runs inside the handover: if it throws, the old pool must still
    // drain and end. Its error is the listener's outcome once that is done (the client reports it).
    const rotateFailure = attempt(() =>
      this.#options.onRotate?.({ user: login.user, previousUser: previous.login.user, reason }),
    );
    // Returned to the watch listener: the old lease outlives this drain.
    return this.#drain(previous).then(() => {
      const drainedFailure = attempt(() =>
        this.#options.onDrained?.({ user: previous.login.user, drainMs: performance.now() - handedOver }),
      );
      const failure = rotateFailure ?? drainedFailure;
      if (failure) throw failure.error;
    });
  }

  #fail(error: unknown): void {
    this.#lastFailure = error;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  async #drain(generation: PoolGeneration<P>): Promise<void> {
    if (generation.draining) return;
    generation.draining = true;
    this.#options.retire?.(generation.pool);
    if (generation.active > 0) {
      await new Promise<void>((resolve) => this.#idle.set(generation, resolve));
      this.#idle.delete(generation);
    }
    try {
      await this.#options.end(generation.pool);
    } catch (error) {
      // An `error` listener that throws has nowhere further to report to; the pool is gone anyway.
      attempt(() => this.#options.onError?.(error));
    } finally {
      this.#generations.delete(generation);
    }
  }

  /**
   * Work on `generation` failed. When the database refused the current credentials (the lease
   * was revoked behind the client's back), ask the source for new ones now, once per set of
   * credentials; anything else is the app's business.
   */
  failed(generation: PoolGeneration<P>, error: unknown): void {
    const rotate = this.#options.source.rotate;
    if (!rotate || generation !== this.#current || !isCredentialFailure(error)) return;
    if (this.#refreshing === generation.login.user) return;
    this.#refreshing = generation.login.user;
    rotate.call(this.#options.source, this.#options.path).catch((failure: unknown) => {
      this.#refreshing = undefined;
      attempt(() => this.#options.onError?.(failure));
    });
  }
}

/** Runs an app's listener; what it throws is returned, wrapped so that even `undefined` counts. */
function attempt(listener: () => void): { error: unknown } | undefined {
  try {
    listener();
    return undefined;
  } catch (error) {
    return { error };
  }
}

/**
 * Errors that mean "these credentials no longer work": PostgreSQL's invalid authorization
 * (28000, 28P01) and insufficient privilege (42501, what a REVOKEd role's session gets), MySQL's
 * access denied (1044, 1045, 1142, 1143).
 */
export function isCredentialFailure(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown };
  return (
    e?.code === '28000' ||
    e?.code === '28P01' ||
    e?.code === '42501' ||
    e?.errno === 1044 ||
    e?.errno === 1045 ||
    e?.errno === 1142 ||
    e?.errno === 1143
  );
}
