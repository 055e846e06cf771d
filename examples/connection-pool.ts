/**
 * A connection pool that swaps database credentials when Vault rotates them, without failing a
 * request: new connections use the new user at once, old ones drain while the old lease is still
 * valid (the client keeps both alive for a grace period before revoking the old one).
 * Run: `npm run build && npx tsx examples/connection-pool.ts`.
 */
import { z } from 'zod';
import { connect, isMain } from './support/vault';

const DbCreds = z.object({ username: z.string(), password: z.string() });
type Creds = z.infer<typeof DbCreds>;

/** A stand-in for pg.Pool: a connection works only while its credentials are alive in the database. */
class Pool {
  #creds: Creds | undefined;
  constructor(private readonly credentialWorks: (c: Creds) => boolean) {}

  swap(creds: Creds): void {
    this.#creds = creds;
  }

  async query(sql: string): Promise<string> {
    if (!this.#creds || !this.credentialWorks(this.#creds))
      throw new Error(`authentication failed for ${this.#creds?.username}`);
    return `${sql} as ${this.#creds.username}`;
  }
}

export async function main(
  log: (line: string) => void = console.log,
): Promise<{ requests: number; failures: number; swaps: number }> {
  const vault = await connect();
  const pool = new Pool((c) => vault.mock?.databaseCredentialWorks(c.username, c.password) ?? true);
  let swaps = 0;
  const unsubscribe = vault.client.watch(
    'database/creds/app',
    (creds, change) => {
      pool.swap(creds.data);
      swaps += 1;
      log(
        change
          ? `swapped to ${creds.data.username} (${change.reason}; was ${change.previous.data.username})`
          : `pool ready as ${creds.data.username}`,
      );
    },
    { schema: DbCreds },
  );
  let requests = 0;
  let failures = 0;
  try {
    await unsubscribe.ready;
    // Twelve simulated hours, a request every simulated minute: three rotations at the 4 h max TTL.
    for (let minute = 0; minute < 12 * 60; minute++) {
      requests += 1;
      await pool.query('select 1').catch((error: Error) => {
        failures += 1;
        log(`request failed: ${error.message}`);
      });
      await vault.wait(60_000);
    }
    log(`${requests} requests, ${failures} failed, ${swaps - 1} credential swaps`);
    return { requests, failures, swaps };
  } finally {
    unsubscribe();
    await vault.close();
  }
}

if (isMain(import.meta.url)) await main();
