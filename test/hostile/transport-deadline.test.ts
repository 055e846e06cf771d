import {
  VaultDeadlineError,
  type VaultKubernetesClient,
  VaultRateLimitError,
  VaultServerError,
  VaultTimeoutError,
} from 'vault-kubernetes-client';
import { ManualClock } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deadlineFrom } from '../../src/http/deadline';
import { Transport } from '../../src/http/transport';
import { Redactor } from '../../src/internal/redact';
import { resolveOptions } from '../../src/options';
import { runNode } from '../helpers/child-node';
import { type HostileVault, reply, startHostileVault } from './server';
import { observe } from './transport-support';

let vault: HostileVault | undefined;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await vault?.close();
  vault = undefined;
});

async function hostile(): Promise<HostileVault> {
  vault = await startHostileVault();
  vault.route('auth/token/lookup-self', reply.lookupSelf());
  return vault;
}

function client(v: HostileVault, options: Parameters<typeof observe>[1]): VaultKubernetesClient {
  const o = observe(v, options);
  cleanups.push(() => o.client.close());
  return o.client;
}

/** Moves the clock in steps until `promise` settles; returns what it settled with and the clock time it took. */
async function driveUntilSettled(clock: ManualClock, promise: Promise<unknown>, stepMs = 50) {
  const start = clock.now();
  let settled: { value?: unknown; error?: unknown } | undefined;
  promise.then(
    (value) => {
      settled = { value };
    },
    (error: unknown) => {
      settled = { error };
    },
  );
  for (let i = 0; i < 10_000 && !settled; i++) await clock.advance(stepMs);
  if (!settled) throw new Error('the call never settled');
  return { ...settled, clockMs: clock.now() - start };
}

describe('class 5: timeouts.totalMs is one deadline for the whole call', () => {
  it('each attempt gets min(requestMs, time left): a stall ends at the deadline with VaultDeadlineError', async () => {
    const v = await hostile();
    v.route('secret/data/app', { stall: 'before-headers' });
    const c = client(v, { timeouts: { requestMs: 10_000, totalMs: 1_000 }, retry: { maxRetries: 5 } });
    await c.start();
    const error = (await c.read('secret/data/app').catch((e: unknown) => e)) as VaultDeadlineError;
    expect(error).toBeInstanceOf(VaultDeadlineError);
    expect(error).toBeInstanceOf(VaultTimeoutError);
    expect(error.code).toBe('ERR_DEADLINE');
    expect(error.totalMs).toBe(1_000);
    expect(error.message).toMatch(/within its deadline of 1000 ms \(timeouts\.totalMs/);
    // One attempt, aborted: nothing left to retry in, and the stalled connection was let go.
    const sent = v.requests.filter((r) => r.path === 'secret/data/app');
    expect(sent).toHaveLength(1);
    await sent[0]!.connectionClosed;
  });

  it('retry waits on the injected clock count against it: retries stop when the next wait would pass it', async () => {
    const v = await hostile();
    v.route('secret/data/app', reply.errors(500, ['internal error']));
    const clock = new ManualClock();
    const c = client(v, {
      clock,
      timeouts: { requestMs: 5_000, totalMs: 10_000 },
      retry: { maxRetries: 20, minDelayMs: 1_000, maxDelayMs: 1_000 },
    });
    vi.spyOn(Math, 'random').mockReturnValue(0);
    await driveUntilSettled(clock, c.start());
    const outcome = await driveUntilSettled(clock, c.read('secret/data/app'), 100);
    // Waits of exactly 1 s: attempts at 0, 1, ..., 9 s; a tenth wait would end at the deadline.
    expect(outcome.error).toBeInstanceOf(VaultServerError);
    expect(v.requests.filter((r) => r.path === 'secret/data/app')).toHaveLength(10);
    expect(outcome.clockMs).toBeLessThanOrEqual(10_000);
  });

  it('real I/O time and clock time add up on one budget (ManualClock): only both together end the call by the deadline', async () => {
    const v = await hostile();
    v.route('secret/data/app', { stall: 'before-headers' });
    const clock = new ManualClock();
    clock.ioStallMs = 1_000;
    const c = client(v, {
      clock,
      timeouts: { requestMs: 500, totalMs: 2_000 },
      retry: { maxRetries: 5, minDelayMs: 1_000, maxDelayMs: 1_000 },
    });
    vi.spyOn(Math, 'random').mockReturnValue(0);
    await driveUntilSettled(clock, c.start());
    // 500 ms of real time timing out (plus whatever a busy machine adds), a 1 s wait on the clock,
    // then less than 500 ms left for attempt two. Counting only one of the two, attempt two would
    // get its full 500 ms and the call would end with a plain timeout instead.
    const outcome = await driveUntilSettled(clock, c.read('secret/data/app'), 100);
    expect(outcome.error).toBeInstanceOf(VaultDeadlineError);
    const left = /within (\d+) ms \(what was left of timeouts\.totalMs\)/.exec(
      (outcome.error as Error).message,
    );
    expect(Number(left?.[1])).toBeLessThan(500);
    expect(v.requests.filter((r) => r.path === 'secret/data/app')).toHaveLength(2);
  });

  it('a Retry-After longer than the time left fails at once with the typed error, without waiting', async () => {
    const v = await hostile();
    v.route('secret/data/app', reply.errors(429, ['rate limit quota exceeded'], { 'retry-after': '10' }));
    const clock = new ManualClock();
    const c = client(v, { clock, timeouts: { totalMs: 5_000 }, retry: { maxRetries: 3 } });
    await driveUntilSettled(clock, c.start());
    const before = clock.now();
    const error = await c.read('secret/data/app').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultRateLimitError);
    expect(clock.now()).toBe(before);
    expect(v.requests.filter((r) => r.path === 'secret/data/app')).toHaveLength(1);
  });

  it('a deadline made at call entry is shared by what the call does (a re-login first): what is left is all the read gets', async () => {
    const v = await hostile();
    v.route('secret/data/app', { stall: 'before-headers' });
    const clock = new ManualClock();
    const options = resolveOptions({
      address: v.address,
      auth: { method: 'token', token: 'hvs.x-token-for-the-deadline-test' },
      clock,
      logLevel: 'silent',
      timeouts: { requestMs: 10_000, totalMs: 60_000 },
    });
    const closer = new AbortController();
    const transport = new Transport(options, new Redactor(), closer.signal);
    cleanups.push(() => {
      closer.abort();
      return transport.close();
    });
    const deadline = deadlineFrom(1_000, clock);
    await clock.advance(850);
    const error = (await transport
      .send({ method: 'GET', path: 'secret/data/app', kind: 'read', token: 'hvs.x', deadline })
      .catch((e: unknown) => e)) as VaultDeadlineError;
    expect(error).toBeInstanceOf(VaultDeadlineError);
    expect(error.message).toMatch(/within 150 ms/);
    await clock.advance(200);
    const spent = await transport
      .send({ method: 'GET', path: 'secret/data/app', kind: 'read', token: 'hvs.x', deadline })
      .catch((e: unknown) => e);
    expect(spent).toBeInstanceOf(VaultDeadlineError);
    // The second call found the deadline passed and sent nothing.
    expect(v.requests.filter((r) => r.path === 'secret/data/app')).toHaveLength(1);
  });
});

describe('retry waits a caller awaits keep the process alive (contract C5)', () => {
  it('a process whose only work is one call to an unreachable Vault waits out the retries and gets the typed error', async () => {
    const { fileURLToPath } = await import('node:url');
    const { closedPort } = await import('./server');
    const port = await closedPort();
    const fixture = fileURLToPath(new URL('./fixtures/await-retries.ts', import.meta.url));
    const { code, stdout, stderr } = await runNode(['--import', 'tsx', fixture, `http://127.0.0.1:${port}`]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({
      outcome: 'failed',
      name: 'VaultConnectionError',
      code: 'ERR_VAULT_CONNECTION',
    });
  }, 30_000);
});
