import { VaultKubernetesClient } from 'vault-kubernetes-client';
import { ManualClock } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Answer,
  loginAnswer,
  type ScriptedVault,
  serviceAccountJwt,
  startScriptedVault,
} from './upkeep-server';

/*
 * "Never past the end": a renewal that grants nothing ends the token there and then, and with it
 * every lease it created. Vault states a TTL in whole seconds, truncated
 * (`LeaseDuration: int(resp.Auth.TTL.Seconds())`, vault/http/logical.go), so a renew-self with
 * less than a second left before the token's max TTL answers `lease_duration: 0`. Before: the
 * client kept the dead token and no timer, served the leases made under it for their whole TTL,
 * and logged in again only when some call needed a token.
 */

const SECOND = 1_000;

let vault: ScriptedVault | undefined;
afterEach(async () => {
  await vault?.close();
  vault = undefined;
});

/** What renew-self grants on its n-th call (from 1), in seconds. */
const RENEWALS: [string, (n: number) => number][] = [
  ['0 at the first renewal', () => 0],
  ['30, then 0 (a capped renewal, a new login, and its token capped at once)', (n) => (n === 1 ? 30 : 0)],
  ['60, then 0', (n) => (n === 1 ? 60 : 0)],
];

describe('a token renewal granted 0 s: log in again at once; its leases are not served past it', () => {
  for (const [name, grant] of RENEWALS) {
    it(name, async () => {
      const clock = new ManualClock();
      const start = clock.now();
      let renewals = 0;
      let logins = 0;
      /** When each token (by its login number) was declared dead by renew-self, relative ms. */
      const diedAt = new Map<number, number>();
      /** Which login each lease was created under. */
      const leaseToken = new Map<string, number>();
      vault = await startScriptedVault(({ path }): Answer => {
        if (path.endsWith('/login')) {
          logins += 1;
          return loginAnswer(60);
        }
        if (path === 'auth/token/renew-self') {
          renewals += 1;
          const ttl = grant(renewals);
          if (ttl === 0) diedAt.set(logins, clock.now() - start);
          const answer = loginAnswer(ttl) as { status: number; body: { auth: { client_token: string } } };
          return answer;
        }
        if (path === 'database/creds/app') {
          const id = `database/creds/app/lease-${leaseToken.size + 1}`;
          leaseToken.set(id, logins);
          return {
            status: 200,
            body: {
              lease_id: id,
              renewable: true,
              lease_duration: 3600,
              data: { username: id, password: 'Pw-1234567' },
            },
          };
        }
        if (path === 'sys/leases/renew')
          return { status: 200, body: { lease_id: 'x', renewable: true, lease_duration: 3600, data: null } };
        return { status: 404, body: { errors: [] } };
      });
      const client = new VaultKubernetesClient({
        address: vault.address,
        auth: { role: 'app', jwt: serviceAccountJwt(clock.now()) },
        clock,
        logLevel: 'silent',
        secrets: { drainMs: SECOND },
      });
      client.on('error', () => undefined);
      await client.secret('database/creds/app');
      const servedPastDeath: string[] = [];
      for (let s = 0; s < 150; s++) {
        await clock.advance(SECOND);
        // current() reads no clock and does no I/O: exactly what per-request code gets.
        const lease = client.current('database/creds/app')?.lease?.id;
        const under = lease === undefined ? undefined : leaseToken.get(lease);
        const died = under === undefined ? undefined : diedAt.get(under);
        if (lease && died !== undefined && clock.now() - start > died + SECOND)
          servedPastDeath.push(`${s} s: ${lease} (its token died at ${died} ms)`);
      }
      expect(diedAt.size).toBeGreaterThan(0);
      // A new login at the renewal that granted nothing, not whenever a call next needs one.
      expect(logins).toBeGreaterThan(diedAt.size);
      expect(servedPastDeath).toEqual([]);
      expect(client.tokenInfo()?.ttlMs).toBeGreaterThan(0);
      await client.close();
    });
  }
});
