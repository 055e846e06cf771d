import { VaultPermissionDeniedError, VaultRateLimitError } from 'vault-kubernetes-client';
import { ManualClock } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Answer,
  creds,
  hammer,
  loginAnswer,
  type ScriptedVault,
  scriptedClient,
  startScriptedVault,
} from './upkeep-server';

/*
 * Storms, new variants (issue 9, class 6). "Nothing due now loops": a failed fetch of any kind
 * opens a backoff step, and callers get the last error at once until it is over, so an app
 * asking ten times a second costs Vault one read per step, not ten a second. Each test counts
 * the requests Vault saw in each backoff step.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

let vault: ScriptedVault | undefined;
afterEach(async () => {
  await vault?.close();
  vault = undefined;
});

/** The shared scripted client, with the client's default retries (these storms count them too). */
const client = (clock: ManualClock, overrides: Record<string, unknown> = {}) =>
  scriptedClient(vault!, clock, { retry: {}, ...overrides });

/**
 * Backoff steps between the instants Vault was asked: the k-th gap (k from 0) must be at least
 * the k-th step of `secrets.backoff` (1 s doubling to 5 min) less its jitter (up to a quarter).
 */
function gapsShorterThanTheirStep(times: number[]): string[] {
  const short: string[] = [];
  for (let k = 1; k < times.length; k++) {
    const gap = times[k]! - times[k - 1]!;
    const step = Math.min(SECOND * 2 ** (k - 1), 5 * MINUTE) * 0.75;
    if (gap < step) short.push(`read ${k}: ${gap} ms after the one before, the step is at least ${step} ms`);
  }
  return short;
}

/** What Vault answers a re-read that it refuses (each class of refusal an app may meet). */
const REFUSALS: [string, Answer][] = [
  // vault/logical/response_util.go: ErrPermissionDenied is "permission denied", status 403.
  [
    '403 permission denied (the policy lost the path)',
    { status: 403, body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] } },
  ],
  ['404 (the role was deleted)', { status: 404, body: { errors: [] } }],
  // builtin/logical/database/path_creds_create.go: an unknown role is a 400 "unknown role: app".
  ['400 unknown role', { status: 400, body: { errors: ['unknown role: app'] } }],
  ['418 from a proxy', { status: 418, body: { errors: [] } }],
];

describe('a secret whose renewals fail and whose re-reads are refused: one read per backoff step', () => {
  for (const [name, refusal] of REFUSALS) {
    it(`${name}: an app asking 10 times a second for 3 minutes`, async () => {
      const clock = new ManualClock();
      const start = clock.now();
      const reads: number[] = [];
      let refusing = false;
      vault = await startScriptedVault(({ path }) => {
        if (path.endsWith('/login')) return loginAnswer(24 * 3600);
        if (path === 'sys/leases/renew') return { status: 500, body: { errors: ['internal error'] } };
        if (path === 'database/creds/app') {
          reads.push(clock.now() - start);
          return refusing ? refusal : creds(reads.length);
        }
        return { status: 404, body: { errors: [] } };
      });
      const c = client(clock);
      await c.secret('database/creds/app');
      refusing = true;
      const outcomes = await hammer(clock, 3 * MINUTE, 100, 1, () => c.secret('database/creds/app'));
      // Served while the 60 s lease lived, refused after.
      expect(outcomes.filter((o) => o === 'ok').length).toBeGreaterThan(500);
      expect(outcomes.filter((o) => o === 'error').length).toBeGreaterThan(1000);
      const refused = reads.slice(1);
      // Before: one read per call once the lease had ended, about 600 a minute.
      expect(refused.length).toBeGreaterThanOrEqual(3);
      expect(refused.length).toBeLessThanOrEqual(10);
      // While the lease lives a retry may come early, at its end (never later); from then on,
      // with nothing left to serve, one read per step.
      expect(gapsShorterThanTheirStep(refused.filter((t) => t >= MINUTE))).toEqual([]);
      await c.close();
    });
  }

  it('never loaded: a path the policy refuses, asked for 10 times a second, is read once per step', async () => {
    const clock = new ManualClock();
    const start = clock.now();
    const reads: number[] = [];
    vault = await startScriptedVault(({ path }) => {
      if (path.endsWith('/login')) return loginAnswer(24 * 3600);
      if (path === 'secret/data/app') {
        reads.push(clock.now() - start);
        return { status: 403, body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] } };
      }
      return { status: 404, body: { errors: [] } };
    });
    const c = client(clock);
    const errors: unknown[] = [];
    for (let t = 0; t < MINUTE; t += 100) {
      // Three callers at once, each settling without time moving: the last error, at once.
      const settled = await Promise.allSettled([1, 2, 3].map(() => c.secret('secret/data/app')));
      for (const s of settled) if (s.status === 'rejected') errors.push(s.reason);
      await clock.advance(100);
    }
    expect(errors).toHaveLength(1_800);
    expect(errors.every((e) => e instanceof VaultPermissionDeniedError)).toBe(true);
    // 1 + 2 + 4 + 8 + 16 + 32 s (less jitter) fit in a minute: 6 to 8 reads, not 600.
    expect(reads.length).toBeGreaterThanOrEqual(6);
    expect(reads.length).toBeLessThanOrEqual(8);
    expect(gapsShorterThanTheirStep(reads)).toEqual([]);
    await c.close();
  });

  it('a watched secret refused in the background: one read per step, and the watch recovers once Vault answers', async () => {
    const clock = new ManualClock();
    const start = clock.now();
    const reads: number[] = [];
    let refusing = false;
    let healthy = false;
    vault = await startScriptedVault(({ path }) => {
      if (path.endsWith('/login')) return loginAnswer(24 * 3600);
      if (path === 'sys/leases/renew')
        return healthy
          ? { status: 200, body: { lease_id: 'x', renewable: true, lease_duration: 60, data: null } }
          : { status: 500, body: { errors: ['internal error'] } };
      if (path === 'database/creds/app') {
        reads.push(clock.now() - start);
        return refusing ? { status: 404, body: { errors: [] } } : creds(reads.length);
      }
      return { status: 404, body: { errors: [] } };
    });
    const c = client(clock);
    const seen: string[] = [];
    const stop = c.watch('database/creds/app', (s) => {
      seen.push(String(s.data.username));
    });
    await stop.ready;
    refusing = true;
    await hammer(clock, 2 * MINUTE, 100, 2, () => c.secret('database/creds/app'));
    const refused = reads.slice(1);
    expect(refused.length).toBeLessThanOrEqual(9);
    expect(gapsShorterThanTheirStep(refused.filter((t) => t >= MINUTE))).toEqual([]);
    refusing = false;
    healthy = true;
    // The next step (at most the cap) brings a new lease to the watcher.
    await clock.advance(5 * MINUTE);
    expect(seen.length).toBe(2);
    stop();
    await c.close();
  });

  it('rotate() still asks at once, and invalidate() lets the next call ask at once (after fixing a policy)', async () => {
    const clock = new ManualClock();
    let refusing = true;
    let reads = 0;
    vault = await startScriptedVault(({ path }) => {
      if (path.endsWith('/login')) return loginAnswer(24 * 3600);
      if (path === 'secret/data/app') {
        reads += 1;
        return refusing
          ? { status: 403, body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] } }
          : {
              status: 200,
              body: { data: { data: { a: 'b' }, metadata: { version: 1, created_time: '' } } },
            };
      }
      return { status: 404, body: { errors: [] } };
    });
    const c = client(clock);
    await expect(c.secret('secret/data/app')).rejects.toBeInstanceOf(VaultPermissionDeniedError);
    await expect(c.secret('secret/data/app')).rejects.toBeInstanceOf(VaultPermissionDeniedError);
    expect(reads).toBe(1);
    await expect(c.rotate('secret/data/app')).rejects.toBeInstanceOf(VaultPermissionDeniedError);
    expect(reads).toBe(2);
    refusing = false;
    await expect(c.secret('secret/data/app')).rejects.toBeInstanceOf(VaultPermissionDeniedError);
    expect(c.invalidate('secret/data/app')).toBe(true);
    expect((await c.secret('secret/data/app')).data).toEqual({ a: 'b' });
    expect(reads).toBe(3);
    await c.close();
  });
});

describe('a static password Vault has not rotated yet (ttl 0) is looked at again with backoff', () => {
  function staticAnswer(password: string, ttl: number): Answer {
    return {
      status: 200,
      body: {
        request_id: 'r',
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: {
          username: 'app',
          password,
          last_vault_rotation: '2026-01-01T00:00:00Z',
          rotation_period: 3600,
          ttl,
        },
      },
    };
  }

  for (const ttl of [0, -30]) {
    it(`ttl ${ttl} on every read for a minute: a handful of reads, no rotation events; the rotation is seen within 10 s`, async () => {
      const clock = new ManualClock();
      const start = clock.now();
      const reads: number[] = [];
      let password = 'Stat1c-password-one';
      let answerTtl = ttl;
      vault = await startScriptedVault(({ path }) => {
        if (path.endsWith('/login')) return loginAnswer(24 * 3600);
        if (path === 'database/static-creds/app') {
          reads.push(clock.now() - start);
          return staticAnswer(password, answerTtl);
        }
        return { status: 404, body: { errors: [] } };
      });
      const c = client(clock);
      const rotations: string[] = [];
      c.on('secret:rotated', (e) => rotations.push(e.reason));
      const outcomes = await hammer(clock, MINUTE, 100, 1, () => c.secret('database/static-creds/app'));
      // Every caller got the password Vault hands out.
      expect(outcomes.every((o) => o === 'ok')).toBe(true);
      // Before: a read every second and one per call, each announced (601 reads, 600 events).
      // Now 1, 2, 4, 8 s then every 10 s at most (less jitter): at most 10 in a minute.
      expect(reads.length).toBeGreaterThanOrEqual(6);
      expect(reads.length).toBeLessThanOrEqual(10);
      for (let k = 1; k < reads.length; k++)
        expect(reads[k]! - reads[k - 1]!).toBeGreaterThanOrEqual(Math.min(2 ** (k - 1), 10) * 750);
      expect(rotations).toEqual([]);
      // Vault rotates at last: the new password is served within one look (10 s), announced once.
      password = 'Stat1c-password-two';
      answerTtl = 3600;
      await clock.advance(10 * SECOND);
      expect((await c.secret('database/static-creds/app')).data.password).toBe('Stat1c-password-two');
      expect(rotations).toEqual(['new-version']);
      await c.close();
    });
  }
});

describe('Retry-After that is not a delay is no hint: the normal backoff, never a retry at once', () => {
  for (const header of ['-5', '-1', '1.5', '1e3', '0x10', 'soon', '+3']) {
    it(`Retry-After: ${header}`, async () => {
      const clock = new ManualClock();
      vault = await startScriptedVault(({ path }) => {
        if (path.endsWith('/login')) return loginAnswer();
        return {
          status: 429,
          body: { errors: ['request path "kv/a": rate limit quota exceeded'] },
          headers: { 'retry-after': header },
        };
      });
      const c = client(clock, { retry: { maxRetries: 1, minDelayMs: 1_000, maxDelayMs: 1_000 } });
      const call = c.read('kv/a').catch((e: unknown) => e);
      await clock.advance(0);
      // The retry waits the backoff (1 s less up to half of it): not at once, as "-5" meant before.
      await clock.advance(499);
      expect(vault.requests.filter((r) => r.path === 'kv/a')).toHaveLength(1);
      await clock.advance(501);
      const error = await call;
      expect(vault.requests.filter((r) => r.path === 'kv/a')).toHaveLength(2);
      expect(error).toBeInstanceOf(VaultRateLimitError);
      expect((error as VaultRateLimitError).retryAfterMs).toBeUndefined();
      await c.close();
    });
  }

  it('a huge Retry-After is beyond maxRetryAfterMs: not waited for, the typed error says how long', async () => {
    const clock = new ManualClock();
    vault = await startScriptedVault(({ path }) => {
      if (path.endsWith('/login')) return loginAnswer();
      return {
        status: 429,
        body: { errors: ['rate limit quota exceeded'] },
        headers: { 'retry-after': '99999999999' },
      };
    });
    const c = client(clock);
    const error = await c.read('kv/a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultRateLimitError);
    expect((error as VaultRateLimitError).retryAfterMs).toBe(99_999_999_999_000);
    expect(vault.requests.filter((r) => r.path === 'kv/a')).toHaveLength(1);
    await c.close();
  });

  it('an HTTP date on the client clock (not the system clock): 30 s ahead of a ManualClock is waited 30 s', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    vault = await startScriptedVault(({ path }) => {
      if (path.endsWith('/login')) return loginAnswer();
      return {
        status: 429,
        body: { errors: ['rate limit quota exceeded'] },
        headers: { 'retry-after': new Date(clock.now() + 30 * SECOND).toUTCString() },
      };
    });
    const c = client(clock, { retry: { maxRetries: 1 } });
    const call = c.read('kv/a').catch((e: unknown) => e);
    await clock.advance(29 * SECOND);
    expect(vault.requests.filter((r) => r.path === 'kv/a')).toHaveLength(1);
    await clock.advance(SECOND);
    await call;
    expect(vault.requests.filter((r) => r.path === 'kv/a')).toHaveLength(2);
    await c.close();
  });
});
