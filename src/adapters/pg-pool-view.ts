import type * as Pg from 'pg';
import type { VaultPgPool } from './pg-pool';

/** The methods a `pg.Pool` user calls, all answered by the Vault pool. */
const DELEGATED = [
  'query',
  'connect',
  'end',
  'on',
  'once',
  'off',
  'addListener',
  'removeListener',
  'removeAllListeners',
  'emit',
  'listeners',
  'listenerCount',
] as const;
const COUNTS = ['totalCount', 'idleCount', 'waitingCount'] as const;

/**
 * `pool` as an object that is `instanceof pg.Pool`, for libraries that check (Prisma's
 * `@prisma/adapter-pg` treats anything else as a configuration and builds its own pool). Every
 * call goes to the Vault pool; `options` are the settings shared by its pools, without
 * credentials. `Pool` must be the class the library itself checks against (the app's `pg`).
 */
export function asPgPool(pool: VaultPgPool, Pool: typeof Pg.Pool, options: Pg.PoolConfig = {}): Pg.Pool {
  const view = Object.create(Pool.prototype) as Record<string, unknown>;
  const target = pool as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of DELEGATED) {
    Object.defineProperty(view, method, {
      value: (...args: unknown[]) => {
        const result = target[method]!.apply(pool, args);
        // EventEmitter methods return the emitter for chaining: the view, not the pool behind it.
        return result === pool ? view : result;
      },
    });
  }
  for (const count of COUNTS) Object.defineProperty(view, count, { get: () => pool[count] });
  Object.defineProperty(view, 'options', { value: { ...options } });
  return view as unknown as Pg.Pool;
}
