import { type Clock, LeaseError, VaultInvalidTokenError } from 'vault-kubernetes-client';
import { ManualClock } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness';
import {
  type Answer,
  creds,
  hammer,
  invalidToken,
  kvAnswer,
  loginAnswer,
  type ScriptedVault,
  scriptedClient,
  startScriptedVault,
} from './upkeep-server';

/*
 * Class 6: storms and hammering. Anything "due now" backs off; logins are single flight and
 * rate limited; scheduling runs on durations, so a wall clock stepped either way never serves a
 * secret past its end.
 */

let vault: ScriptedVault | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await vault?.close();
  await h?.close();
  vault = undefined;
  h = undefined;
});

const SECOND = 1_000;

describe('class 6: what is due now backs off', () => {
  it("a certificate already expired by the pod's clock is never served and not re-issued in a loop", async () => {
    const clock = new ManualClock();
    // Vault's clock is two hours behind the pod's: each certificate (1 h) ended an hour ago here.
    vault = await startScriptedVault(({ path }) => {
      if (path.endsWith('/login')) return loginAnswer();
      if (path === 'pki/issue/web') {
        return kvAnswer({
          certificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
          private_key: '-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----',
          serial_number: String(vault!.requests.length),
          expiration: Math.floor(clock.now() / 1000) - 3600,
        });
      }
      return { status: 404, body: { errors: [] } };
    });
    const client = scriptedClient(vault!, clock);
    const body = { common_name: 'web.example.com' };
    const first = await client.secret('pki/issue/web', { body }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(LeaseError);
    expect((first as LeaseError).code).toBe('ERR_LEASE_EXPIRED');
    expect((first as LeaseError).message).toMatch(/clock/);
    // Three seconds of an app asking ten times a second.
    const outcomes = await hammer(clock, 3 * SECOND, 100, 1, () => client.secret('pki/issue/web', { body }));
    expect(outcomes.every((o) => o === 'error')).toBe(true);
    const issued = vault.requests.filter((r) => r.path === 'pki/issue/web').length;
    // Backoff 1 s, 2 s (less up to a quarter of jitter): a handful, not 800.
    expect(issued).toBeGreaterThanOrEqual(2);
    expect(issued).toBeLessThanOrEqual(4);
    await client.close();
  });

  it('a lease granted for 0 s is never handed out and is asked for again only once per backoff step', async () => {
    const clock = new ManualClock();
    vault = await startScriptedVault(({ path }) => {
      if (path.endsWith('/login')) return loginAnswer();
      return creds(vault!.requests.length, 0);
    });
    const client = scriptedClient(vault!, clock);
    const outcomes = await hammer(clock, 3 * SECOND, 100, 3, () => client.secret('database/creds/app'));
    expect(outcomes.filter((o) => o === 'ok')).toEqual([]);
    expect(vault.requests.filter((r) => r.path === 'database/creds/app').length).toBeLessThanOrEqual(4);
    await client.close();
  });
});

describe('class 6: logins are single flight and rate limited', () => {
  it('a Vault answering 403 invalid token to everything gets one login per backoff step, not one per call', async () => {
    const clock = new ManualClock();
    vault = await startScriptedVault(
      ({ path }): Answer => (path.endsWith('/login') ? loginAnswer() : invalidToken),
    );
    const client = scriptedClient(vault!, clock, {
      token: { loginBackoff: { minMs: 1_000, maxMs: 60_000 } },
    });
    // Three calls every 100 ms for 5 s: 153 calls.
    const outcomes = await hammer(clock, 5 * SECOND, 100, 3, () =>
      client.read('secret/data/app').catch((error: unknown) => {
        if (!(error instanceof VaultInvalidTokenError)) throw error;
        throw error;
      }),
    );
    expect(outcomes).toHaveLength(153);
    expect(outcomes.every((o) => o === 'error')).toBe(true);
    const logins = vault.requests.filter((r) => r.path.endsWith('/login')).length;
    // 0 s, at once again (the first token may have been revoked before its first use), then after
    // 1 s and 2 s more (jitter takes up to a quarter off each): at most five in five seconds.
    expect(logins).toBeGreaterThanOrEqual(3);
    expect(logins).toBeLessThanOrEqual(5);
    await client.close();
  });

  it('many concurrent first calls share one login', async () => {
    const clock = new ManualClock();
    vault = await startScriptedVault(({ path }) =>
      path.endsWith('/login') ? loginAnswer() : kvAnswer({ a: 1 }),
    );
    const client = scriptedClient(vault!, clock);
    await Promise.all(Array.from({ length: 200 }, (_, i) => client.read(`kv/item-${i}`)));
    expect(vault.requests.filter((r) => r.path.endsWith('/login'))).toHaveLength(1);
    await client.close();
  });
});

describe('class 6: a wall clock stepped back or forward never serves a lease past its end', () => {
  const POLICY = [
    'path "database/creds/app" { capabilities = ["read"] }',
    'path "sys/leases/revoke" { capabilities = ["update"] }',
  ].join('\n');

  for (const stepMs of [-10 * SECOND, 10 * SECOND, -5 * 60 * SECOND]) {
    it(`wall clock stepped ${stepMs > 0 ? 'forward' : 'back'} ${Math.abs(stepMs) / 1000} s mid-run: every credential served is alive in Vault`, async () => {
      // Short leases (30 s, max 2 min) so the step matters; Vault (the mock) keeps true time.
      h = await createHarness({ policy: POLICY, database: { ttl: '30s', maxTtl: '2m' } });
      const truth = h.mock.clock;
      let offset = 0;
      // The pod's wall clock: Vault's time plus a step; its timers run on real durations (the mock's).
      const podClock: Clock & { track<T>(work: Promise<T>): Promise<T> } = {
        now: () => truth.now() + offset,
        setTimeout: (callback, ms) => truth.setTimeout(callback, ms),
        clearTimeout: (handle) => truth.clearTimeout(handle),
        track: <T>(work: Promise<T>) => truth.track(work),
      };
      const client = h.client({
        clock: podClock,
        secrets: { jitter: 0.1, backoff: { minMs: SECOND, maxMs: 10 * SECOND } },
      });
      let served = 0;
      const dead: string[] = [];
      for (let second = 0; second < 6 * 60; second++) {
        if (second === 45) {
          // The step, between two readings of the clock at one instant (tokenInfo() reads it). In
          // real time the client measures the gap between readings with performance.now();
          // simulated time has only this clock.
          client.tokenInfo();
          offset = stepMs;
          client.tokenInfo();
        }
        // Vault unreachable from just before the step for two minutes: the lease held then runs
        // out, and only the client's own idea of time stops it being served past its end.
        if (second === 40) h.mock.faults.resetConnection({ times: Number.POSITIVE_INFINITY });
        if (second === 160) h.mock.faults.clear();
        await truth.advance(SECOND);
        const creds = await client.secret<undefined>('database/creds/app').catch(() => undefined);
        if (!creds) continue;
        served += 1;
        const lease = h.mock.leases().find((l) => l.id === creds.lease?.id);
        const works = h.mock.databaseCredentialWorks(
          String(creds.data.username),
          String(creds.data.password),
        );
        if (!lease || !works)
          dead.push(
            `second ${second}: lease ${lease ? 'in Vault' : 'gone'}, credential ${works ? 'works' : 'refused'}`,
          );
      }
      expect(dead).toEqual([]);
      // Served all along but for the outage (from when the lease ran out to one backoff step after).
      expect(served).toBeGreaterThan(220);
      expect(await client.secret('database/creds/app')).toBeTruthy();
    });
  }
});
