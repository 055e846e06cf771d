import { ClientClosedError, VaultKubernetesClient } from 'vault-kubernetes-client';
import { ManualClock } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  creds,
  kvAnswer,
  loginAnswer,
  type ScriptedVault,
  serviceAccountJwt,
  startScriptedVault,
} from './upkeep-server';

/*
 * Class 7a: close({ revoke, timeoutMs }) aborts calls in flight first, bounds the revocations
 * (default 5 s), and always settles, well inside Kubernetes' 30 s grace period.
 */

let vault: ScriptedVault | undefined;
afterEach(async () => {
  await vault?.close();
  vault = undefined;
});

/** A Vault that answers logins and reads, holds `hold`'s requests forever, and never answers revocations. */
async function stoppingVault(hold: (path: string) => boolean) {
  vault = await startScriptedVault(({ path }) => {
    if (path.endsWith('/login')) return loginAnswer();
    if (path.startsWith('sys/leases/revoke') || path === 'auth/token/revoke-self' || hold(path))
      return 'hang';
    if (path === 'database/creds/app') {
      return creds(vault!.requests.length, 3600);
    }
    return kvAnswer({ a: 1 });
  });
  return vault;
}

/** Settles with how the promise ended, or 'pending' if it has not when `probe` resolves. */
async function stateAfter(promise: Promise<unknown>, probe: Promise<unknown>): Promise<string> {
  let state = 'pending';
  promise.then(
    () => {
      state = 'resolved';
    },
    () => {
      state = 'rejected';
    },
  );
  await probe;
  return state;
}

/**
 * A fetch that never answers the paths `hangs` picks (until the client aborts them): simulated
 * latency for the test clock, so it moves on while they hang.
 */
function hangingFetch(clock: ManualClock, hangs: (path: string) => boolean): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    const path = new URL(request.url).pathname.replace(/^\/v1\//, '');
    if (!hangs(path)) return fetch(input, init);
    const signal = init?.signal ?? request.signal;
    return clock.hold(
      new Promise<Response>((_resolve, reject) => {
        if (signal?.aborted) reject(signal.reason);
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
    );
  };
}

const revocation = (path: string) => path === 'sys/leases/revoke' || path === 'auth/token/revoke-self';

describe('class 7a: close() when Vault stops answering', () => {
  it('aborts calls in flight first, then gives up on hung revocations at timeoutMs on the client clock', async () => {
    const clock = new ManualClock();
    await stoppingVault(() => false);
    const seen: string[] = [];
    const hang = hangingFetch(clock, (path) => path === 'secret/slow' || revocation(path));
    const client = new VaultKubernetesClient({
      address: vault!.address,
      auth: { role: 'app', jwt: serviceAccountJwt(clock.now()) },
      clock,
      logLevel: 'silent',
      fetch: (input, init) => {
        const url = input instanceof Request ? input.url : String(input);
        seen.push(new URL(url).pathname.replace(/^\/v1\//, ''));
        return hang(input, init);
      },
    });
    await client.secret('database/creds/app');
    const inFlight = client.read('secret/slow').catch((error: unknown) => error);
    // The read has gone out, and will never be answered.
    while (!seen.includes('secret/slow')) await clock.settle();
    const closing = client.close({ revoke: true, timeoutMs: 2_000 });
    // The call in flight fails at once with ClientClosedError, before any revocation is answered.
    expect(await inFlight).toBeInstanceOf(ClientClosedError);
    // The revocation goes out, and is never answered either.
    while (!seen.includes('sys/leases/revoke')) await clock.settle();
    expect(await stateAfter(closing, clock.advance(1_999))).toBe('pending');
    expect(await stateAfter(closing, clock.advance(1))).toBe('resolved');
    await closing;
    expect(clock.pendingTimers()).toBe(0);
  });

  it('the default bound is 5 s: close({ revoke: true }) settles then, however long Vault hangs', async () => {
    const clock = new ManualClock();
    await stoppingVault(() => false);
    const client = new VaultKubernetesClient({
      address: vault!.address,
      auth: { role: 'app', jwt: serviceAccountJwt(clock.now()) },
      clock,
      logLevel: 'silent',
      fetch: hangingFetch(clock, revocation),
    });
    await client.secret('database/creds/app');
    const closing = client.close({ revoke: true });
    expect(await stateAfter(closing, clock.advance(4_999))).toBe('pending');
    expect(await stateAfter(closing, clock.advance(1))).toBe('resolved');
  });

  it('on the system clock too: a hung Vault cannot hold close() past its timeoutMs', async () => {
    await stoppingVault(() => false);
    const client = new VaultKubernetesClient({
      address: vault!.address,
      auth: { role: 'app', jwt: serviceAccountJwt() },
      logLevel: 'silent',
    });
    await client.secret('database/creds/app');
    // Settling at all is the property (a hung close() would time the test out); 300 ms is the bound asked for.
    await client.close({ revoke: true, timeoutMs: 300 });
    expect(client.closed).toBe(true);
  });

  it('close() is idempotent and settles even when called while closing', async () => {
    await stoppingVault(() => false);
    const client = new VaultKubernetesClient({
      address: vault!.address,
      auth: { role: 'app', jwt: serviceAccountJwt() },
      logLevel: 'silent',
    });
    await client.start();
    const first = client.close({ revoke: true, timeoutMs: 100 });
    const second = client.close();
    expect(second).toBe(first);
    await Promise.all([first, second, client[Symbol.asyncDispose]()]);
  });
});
