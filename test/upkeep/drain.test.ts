import type { ErrorEvent, SecretRotatedEvent } from 'vault-kubernetes-client';
import { DrainTimeoutError } from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness';

/*
 * Contract C1: watch listeners may return a promise; the old lease of a change is revoked at
 * max(handover + graceMs, min(every listener promise settled, handover + drainMs)), with an
 * ERR_DRAIN_TIMEOUT error event when drainMs runs out first. Before every hard end (a lease's max
 * TTL, a token's max TTL) the replacement comes at least drainMs early, or a third of a short TTL.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SECOND = 1_000;
const POLICY = [
  'path "database/creds/app" { capabilities = ["read"] }',
  'path "sys/leases/revoke" { capabilities = ["update"] }',
].join('\n');

/** A rotate() of database/creds/app with one listener whose drain takes `drainTakesMs` (forever when undefined). */
async function rotationWithDrain(
  secrets: { graceMs: number; drainMs: number },
  drainTakesMs: number | undefined,
) {
  h = await createHarness({ policy: POLICY, database: { ttl: '1h', maxTtl: '4h' } });
  const harness = h;
  const client = h.client({ secrets: { jitter: 0, ...secrets } });
  const stop = client.watch('database/creds/app', (_secret, change) => {
    if (!change) return;
    // The app's pool ends its old connections: done `drainTakesMs` after the handover, or never.
    return new Promise<void>((resolve) => {
      if (drainTakesMs !== undefined) harness.mock.clock.setTimeout(resolve, drainTakesMs);
    });
  });
  const first = await stop.ready;
  await client.rotate('database/creds/app');
  const rotated = h.events.find((e) => e.name === 'secret:rotated')!.payload as SecretRotatedEvent;
  const revokedAt = () =>
    h!.mock.audit
      .entries({ path: 'sys/leases/revoke' })
      .filter((e) => e.status < 300)
      .map((e) => e.time - rotated.at);
  return { client, first, rotated, revokedAt, stop };
}

describe('C1: revoke after drain', () => {
  it('listeners that finish their drain 10 s after the handover: the old lease goes then (grace 0)', async () => {
    const { revokedAt, first } = await rotationWithDrain({ graceMs: 0, drainMs: 30 * SECOND }, 10 * SECOND);
    await h!.mock.clock.advance(9_999);
    expect(revokedAt()).toEqual([]);
    expect(h!.mock.leases().some((l) => l.id === first.lease?.id)).toBe(true);
    await h!.mock.clock.advance(1);
    expect(revokedAt()).toEqual([10 * SECOND]);
    expect(h!.mock.leases().some((l) => l.id === first.lease?.id)).toBe(false);
    expect(h!.events.filter((e) => e.name === 'error')).toEqual([]);
  });

  it('graceMs is a floor: a drain done in 10 s still keeps the old lease for the 60 s grace', async () => {
    const { revokedAt } = await rotationWithDrain(
      { graceMs: 60 * SECOND, drainMs: 30 * SECOND },
      10 * SECOND,
    );
    await h!.mock.clock.advance(59_999);
    expect(revokedAt()).toEqual([]);
    await h!.mock.clock.advance(1);
    expect(revokedAt()).toEqual([60 * SECOND]);
  });

  it('a drain that never ends: revoked at drainMs anyway, with ERR_DRAIN_TIMEOUT naming the path and count', async () => {
    const { revokedAt } = await rotationWithDrain({ graceMs: 0, drainMs: 30 * SECOND }, undefined);
    await h!.mock.clock.advance(29_999);
    expect(revokedAt()).toEqual([]);
    await h!.mock.clock.advance(1);
    expect(revokedAt()).toEqual([30 * SECOND]);
    const drains = h!.events
      .filter((e) => e.name === 'error')
      .map((e) => e.payload as ErrorEvent)
      .filter((e) => e.phase === 'drain');
    expect(drains).toHaveLength(1);
    const error = drains[0]!.error as DrainTimeoutError;
    expect(error).toBeInstanceOf(DrainTimeoutError);
    expect(error.code).toBe('ERR_DRAIN_TIMEOUT');
    expect(error.path).toBe('database/creds/app');
    expect(error.pendingListeners).toBe(1);
    expect(error.message).toContain('database/creds/app');
    expect(drains[0]!.path).toBe('database/creds/app');
  });

  it('no listener returns a promise: revoked after graceMs, as before', async () => {
    h = await createHarness({ policy: POLICY, database: { ttl: '1h', maxTtl: '4h' } });
    const client = h.client({ secrets: { jitter: 0, graceMs: 45 * SECOND } });
    await client.secret('database/creds/app');
    await client.rotate('database/creds/app');
    const at = (h.events.find((e) => e.name === 'secret:rotated')!.payload as SecretRotatedEvent).at;
    await h.mock.clock.advance(60 * SECOND);
    expect(h.mock.audit.entries({ path: 'sys/leases/revoke' }).map((e) => e.time - at)).toEqual([
      45 * SECOND,
    ]);
  });
});

describe('C1: the lead before hard ends', () => {
  it('short TTLs (lease 2 s, max 5 s; token 4 s, max 9 s): old credentials outlive every handover by the (scaled) lead', async () => {
    h = await createHarness({
      policy: POLICY,
      database: { ttl: '2s', maxTtl: '5s' },
      role: { token_ttl: '4s', token_max_ttl: '9s' },
    });
    const drainMs = SECOND;
    const client = h.client({ secrets: { drainMs, graceMs: 60 * SECOND }, token: {} });
    const harness = h;
    const outlived: { reason: string; ms: number }[] = [];
    const stop = client.watch('database/creds/app', (_secret, change) => {
      if (!change?.previous.lease) return;
      // At the handover: when does Vault end the credentials this listener now drains?
      const now = harness.mock.clock.now();
      const lease = harness.mock.leases().find((l) => l.id === change.previous.lease!.id);
      if (!lease) {
        outlived.push({ reason: change.reason, ms: 0 });
        return;
      }
      const token = harness.mock.tokens().find((t) => t.accessor === lease.tokenAccessor);
      const end = Math.min(lease.expiresAt, token?.expiresAt ?? Number.POSITIVE_INFINITY);
      outlived.push({ reason: change.reason, ms: end - now });
    });
    await stop.ready;
    for (let tick = 0; tick < 600; tick++) await h.mock.clock.advance(100);
    stop();
    const byReason = (reason: string) => outlived.filter((o) => o.reason === reason).map((o) => o.ms);
    const report = (ms: number[]) =>
      ms.length === 0
        ? 'none'
        : `${ms.length}, min ${Math.min(...ms)} ms, median ${[...ms].sort((a, b) => a - b)[ms.length >> 1]} ms`;
    console.log(
      `drain lead, 60 simulated s: lease max TTL handovers ${report(byReason('max-ttl'))}; token max TTL (relogin) handovers ${report(byReason('relogin'))}`,
    );
    // Through ten and more rotations, several of them re-logins at the token's max TTL ...
    expect(outlived.length).toBeGreaterThanOrEqual(10);
    expect(byReason('relogin').length).toBeGreaterThanOrEqual(4);
    // ... the old credentials always outlive the handover by the lead: drainMs, cut to a third of a
    // TTL that cannot hold it. The lease's 2 s TTL cannot (2/3 s, said once in a warning); the
    // token's 4 s can (1 s). A lease replaced at a re-login is renewed no more, so it keeps what
    // its last renewal left, which the lease's own lead bounds: at least 2/3 s either way.
    const leaseLead = Math.floor((2 * SECOND) / 3);
    for (const { ms } of outlived) expect(ms).toBeGreaterThanOrEqual(leaseLead);
    expect(h.logs.filter((l) => l.level === 'warn' && l.message.includes('too short')).length).toBe(1);
  });
});
