/**
 * porsager's `postgres` (postgres.js) over Vault's dynamic database credentials. postgres.js
 * takes a password function but no user function (porsager/postgres#881), and Vault changes
 * both with every lease, so this keeps one `sql` instance per lease: `db.sql` is always the
 * newest, and the watch listener ends the previous one, which lets its queries and transactions
 * in flight finish first (`sql.end()` waits for them). The listener returns that end, so the
 * client revokes the old lease only after it.
 *
 *     const db = vaultPostgres(vault, 'database/creds/app', { host, database });
 *     await db.ready;
 *     const rows = await db.sql`select * from items where id = ${id}`;
 *     await db.sql.begin(async (sql) => { ... });
 *
 * Take `db.sql` at the point of use (not once at start-up), so new work goes to the newest
 * credentials; a query must be awaited (run) when it is made, as usual with postgres.js.
 */
import postgres from 'postgres';
import type { SecretSource } from 'vault-kubernetes-client/pg';

export interface VaultPostgres {
  /** The instance for the current credentials (throws before the first ones arrived). */
  readonly sql: postgres.Sql;
  /** Resolves with the first credentials. */
  readonly ready: Promise<void>;
  /** Stops following Vault and ends the current instance once its work has finished. */
  end(): Promise<void>;
}

export function vaultPostgres(
  vault: SecretSource,
  path: string,
  options: postgres.Options<Record<string, postgres.PostgresType>> = {},
  /** How long an old instance may take to finish its work before it is closed anyway. */
  drainSeconds = 30,
): VaultPostgres {
  let current: postgres.Sql | undefined;
  const subscription = vault.watch(path, (secret) => {
    const { username, password } = secret.data as { username: string; password: string };
    const previous = current;
    current = postgres({ ...options, username, password });
    return previous?.end({ timeout: drainSeconds });
  });
  return {
    get sql() {
      if (!current) throw new Error(`no credentials yet from ${path}: await db.ready first`);
      return current;
    },
    ready: subscription.ready.then(() => undefined),
    async end() {
      subscription();
      await current?.end({ timeout: drainSeconds });
    },
  };
}
