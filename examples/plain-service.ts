/**
 * A plain Node service: it reads its configuration (KV v2) and database credentials (dynamic,
 * leased) through the client, and logs each rotation. Run: `npm run build && npx tsx examples/plain-service.ts`
 * (embedded mock Vault, simulated hours) or with VAULT_ADDR and VAULT_ROLE set, in a pod.
 */
import { z } from 'zod';
import { connect, isMain } from './support/vault';

const Config = z.object({ api_url: z.string().url(), greeting: z.string() });
const DbCreds = z.object({ username: z.string(), password: z.string() });

export async function main(
  log: (line: string) => void = console.log,
): Promise<{ rotations: number; users: string[] }> {
  const vault = await connect();
  const users: string[] = [];
  let rotations = 0;
  vault.client.on('secret:rotated', ({ path, reason }) => {
    rotations += 1;
    log(`rotated ${path} (${reason})`);
  });
  try {
    const config = await vault.client.secret('secret/data/myapp/config', { schema: Config });
    log(`config v${config.version}: ${config.data.greeting} from ${config.data.api_url}`);
    for (let hour = 0; hour < 8; hour++) {
      // What a request handler does: ask every time; the cache answers, Vault is called only when needed.
      const db = await vault.client.secret('database/creds/app', { schema: DbCreds });
      if (users.at(-1) !== db.data.username) users.push(db.data.username);
      log(
        `hour ${hour}: connecting as ${db.data.username} (lease ends in ${Math.round(((db.lease?.expiresAt ?? 0) - (vault.mock?.clock.now() ?? Date.now())) / 60_000)} min)`,
      );
      await vault.wait(3_600_000);
    }
    return { rotations, users };
  } finally {
    await vault.close();
  }
}

if (isMain(import.meta.url)) await main();
