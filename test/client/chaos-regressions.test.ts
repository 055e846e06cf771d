import type { SecretRotatedEvent } from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpProxy } from '../chaos/tcp-proxy';
import { APP_POLICY, createHarness, type Harness, MINUTE } from '../helpers/harness';

/** Bugs the chaos suite (test/chaos) found, each pinned down on its own. */
let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** Token TTL 1 h, max 2 h, no jitter: renewed at 40 and 80 min, capped to 40 min at 80, new login at 106:40, old token dead at 120. */
async function reloginSetup() {
  h = await createHarness({
    policy: APP_POLICY,
    database: { ttl: '1h', maxTtl: '24h' },
    role: { token_ttl: '1h', token_max_ttl: '2h' },
  });
  const client = h.client({
    token: { jitter: 0 },
    secrets: { jitter: 0, backoff: { minMs: 1_000, maxMs: 10_000 } },
  });
  const first = await client.secret<undefined>('database/creds/app');
  await h.mock.clock.advance(100 * MINUTE);
  const oldAccessor = client.tokenInfo()!.accessor;
  // Vault fails every new credential from here on, so the new login cannot move the secret.
  h.mock.faults.failNext({ path: 'database/creds/app', status: 500, times: Number.POSITIVE_INFINITY });
  await h.mock.clock.advance(7 * MINUTE);
  const logins = h.events
    .filter((e) => e.name === 'auth:login')
    .map((e) => (e.payload as { reason: string }).reason);
  expect(logins).toEqual(['initial', 'max-ttl']);
  return { client, first, oldAccessor };
}

describe('regressions found by the chaos suite', () => {
  it('a secret the new login could not re-fetch is retried with backoff and never served past its old token', async () => {
    const { client, first } = await reloginSetup();
    // Reported, not swallowed, and retried in the background.
    const failedBefore = h.mock.audit.count({ path: 'database/creds/app', status: 500 });
    expect(
      h.events.some((e) => e.name === 'error' && (e.payload as { phase: string }).phase === 'rotate'),
    ).toBe(true);
    await h.mock.clock.advance(MINUTE);
    expect(h.mock.audit.count({ path: 'database/creds/app', status: 500 })).toBeGreaterThan(failedBefore + 2);
    // Until the old token dies (at 120 min) its lease still works and may be served ...
    for (let minute = 108; minute < 125; minute++) {
      await h.mock.clock.advance(MINUTE);
      const served = await client.secret<undefined>('database/creds/app').catch(() => undefined);
      if (served) {
        expect(
          h.mock.databaseCredentialWorks(String(served.data.username), String(served.data.password)),
        ).toBe(true);
      }
      // ... but not after: Vault revoked it with its token.
      if (minute >= 120) expect(served).toBeUndefined();
    }
    h.mock.faults.clear();
    await h.mock.clock.advance(15_000);
    const replaced = await client.secret<undefined>('database/creds/app');
    expect(replaced.lease!.id).not.toBe(first.lease!.id);
    expect(
      h.mock.databaseCredentialWorks(String(replaced.data.username), String(replaced.data.password)),
    ).toBe(true);
    const reasons = h.events
      .filter((e) => e.name === 'secret:rotated')
      .map((e) => (e.payload as SecretRotatedEvent).reason);
    expect(reasons.at(-1)).toBe('lease-lost');
  });

  it('a fetch still under way with the old token at the new login is not taken as the replacement', async () => {
    h = await createHarness({
      policy: APP_POLICY,
      database: { ttl: '1h', maxTtl: '24h' },
      role: { token_ttl: '1h', token_max_ttl: '2h' },
    });
    let hold: Promise<void> | undefined;
    let arrived: (() => void) | undefined;
    const holdingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (hold && url.includes('database/creds')) {
        const wait = hold;
        hold = undefined;
        arrived?.();
        // Simulated latency: time moves on while the answer is held (ManualClock.hold).
        await h.mock.clock.hold(wait);
      }
      return response;
    };
    const client = h.client({ fetch: holdingFetch, token: { jitter: 0 }, secrets: { jitter: 0 } });
    await client.secret('database/creds/app');
    await h.mock.clock.advance(106 * MINUTE);
    // A rotation goes out with the old token just before the new login (at 106:40) and its answer lingers.
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const rotating = client.rotate('database/creds/app');
    await reached;
    // 45 s: past the new login, inside the call's 60 s deadline (timeouts.totalMs).
    await h.mock.clock.advance(45_000);
    expect(h.events.filter((e) => e.name === 'auth:login')).toHaveLength(2);
    release();
    await rotating;
    // The old token is revoked after the grace period; what is served must outlive it.
    for (let minute = 0; minute < 5; minute++) {
      await h.mock.clock.advance(MINUTE);
      const creds = await client.secret<undefined>('database/creds/app');
      expect(h.mock.databaseCredentialWorks(String(creds.data.username), String(creds.data.password))).toBe(
        true,
      );
    }
  });

  it('close({ revoke: true }) also revokes a replaced token that still holds leases', async () => {
    const { client, oldAccessor } = await reloginSetup();
    expect(h.mock.leases({ tokenAccessor: oldAccessor }).length).toBeGreaterThan(0);
    h.mock.faults.clear();
    await client.close({ revoke: true });
    expect(h.mock.leases()).toEqual([]);
    expect(h.mock.tokens().filter((t) => t.accessor === oldAccessor)).toEqual([]);
  });
});

describe('regressions found by the chaos suite: backoff', () => {
  it('the backoff starts again from its minimum after a success: old blips do not slow the next retry', async () => {
    h = await createHarness({ policy: APP_POLICY, database: { ttl: '1h', maxTtl: '24h' } });
    // Renewing at half the TTL leaves time to retry a failed renewal rather than replace the secret.
    const client = h.client({
      secrets: { jitter: 0, renewAt: 0.5, backoff: { minMs: 1_000, maxMs: 300_000 } },
    });
    await client.secret('database/creds/app');
    // Six renewals in a row each fail once and succeed on the retry.
    for (let blip = 0; blip < 6; blip++) {
      h.mock.faults.failNext({ path: 'sys/leases/renew', status: 500 });
      await h.mock.clock.advance(31 * MINUTE);
    }
    const renewals = h.mock.audit.entries({ path: 'sys/leases/renew' });
    const retryDelays = renewals.flatMap((entry, i) =>
      entry.status === 500 && renewals[i + 1] ? [renewals[i + 1]!.time - entry.time] : [],
    );
    expect(retryDelays).toHaveLength(6);
    // Each retry is the first of its run of failures: about a second, never 2, 4, 8 ... 32.
    for (const delay of retryDelays) expect(delay).toBeLessThanOrEqual(1_000);
  });
});

describe('regressions found by the chaos suite: slow answers', () => {
  it("a lease counts from when it was asked for, so a slow answer never stretches it past Vault's end", async () => {
    h = await createHarness({ policy: APP_POLICY, database: { ttl: '1h', maxTtl: '24h' } });
    // Holds chosen answers after Vault sent them, while the test moves the shared clock on.
    let gate: { reached: () => void; open: Promise<void> } | undefined;
    const slowFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (gate && /database\/creds|sys\/leases\/renew/.test(url)) {
        gate.reached();
        // Simulated latency: time moves on while the answer is held (ManualClock.hold).
        await h.mock.clock.hold(gate.open);
      }
      return response;
    };
    const client = h.client({ fetch: slowFetch, secrets: { jitter: 0 } });
    await client.start();
    /** Runs `work` until its answer is held, runs `meanwhile` (which moves the clock), then lets the answer through. */
    const slowly = async <T>(work: () => Promise<T>, meanwhile: () => Promise<void>) => {
      let open!: () => void;
      let reached!: () => void;
      const arrived = new Promise<void>((resolve) => {
        reached = resolve;
      });
      gate = { reached, open: new Promise<void>((resolve) => (open = resolve)) };
      const result = work();
      await arrived;
      await meanwhile();
      open();
      gate = undefined;
      return result;
    };
    const vaultEnd = () => h.mock.leases({ path: 'database/creds/app' })[0]!.expiresAt;
    // The credential's answer takes 30 simulated seconds to arrive ...
    const secret = await slowly(
      () => client.secret<undefined>('database/creds/app'),
      () => h.mock.clock.advance(30_000),
    );
    expect(secret.lease!.expiresAt).toBeLessThanOrEqual(vaultEnd());
    // ... and the renewal's (due at 40 min) as long.
    const moving = h.mock.clock.advance(41 * MINUTE);
    await slowly(
      () => moving,
      () => moving,
    );
    await h.mock.clock.settle();
    expect(h.events.some((e) => e.name === 'lease:renewed')).toBe(true);
    const renewed = await client.secret<undefined>('database/creds/app');
    expect(renewed.lease!.expiresAt).toBeLessThanOrEqual(vaultEnd());
  });
});

describe('regressions found by the chaos suite: process hygiene', () => {
  it('many calls in flight at once: no MaxListenersExceededWarning from the client', async () => {
    h = await createHarness();
    const client = h.client();
    await client.start();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      await Promise.all(Array.from({ length: 40 }, () => client.read('secret/data/myapp/config')));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
  });

  it('close() ends the connections the client opened: no socket outlives it', async () => {
    h = await createHarness();
    const proxy = await TcpProxy.start(h.mock.address);
    try {
      const client = h.client({ address: proxy.address });
      await Promise.all(Array.from({ length: 8 }, () => client.read('secret/data/myapp/config')));
      expect(proxy.openClientSockets()).toBeGreaterThan(0);
      await client.close();
      // Settles when the client's FINs have reached the proxy; a socket left open times the test out.
      await proxy.clientSocketsClosed();
      expect(proxy.openClientSockets()).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});
