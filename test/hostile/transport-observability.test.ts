import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ManualClock } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { initialSkew, observeSkew, skewEstimate } from '../../src/http/clock-skew';
import {
  REQUEST_END_CHANNEL,
  REQUEST_START_CHANNEL,
  type RequestEndMessage,
  type RequestStartMessage,
} from '../../src/http/diagnostics';
import { Transport } from '../../src/http/transport';
import { Redactor } from '../../src/internal/redact';
import { resolveOptions } from '../../src/options';
import { type HostileVault, reply, startHostileVault } from './server';
import { observe } from './transport-support';

let vault: HostileVault | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await vault?.close();
  vault = undefined;
});

describe('contract C2: request diagnostics channels', () => {
  it('publishes start and end for every attempt, one request id per call, never a token, header or body', async () => {
    vault = await startHostileVault();
    vault.route('auth/token/lookup-self', reply.lookupSelf());
    vault.route('secret/data/app', reply.kv2({ password: 'diag-secret-value' }));
    vault.route('secret/data/app', reply.errors(503, ['Vault is sealed']), { times: 1 });
    const starts: RequestStartMessage[] = [];
    const ends: RequestEndMessage[] = [];
    const onStart = (m: unknown) => starts.push(m as RequestStartMessage);
    const onEnd = (m: unknown) => ends.push(m as RequestEndMessage);
    subscribe(REQUEST_START_CHANNEL, onStart);
    subscribe(REQUEST_END_CHANNEL, onEnd);
    cleanups.push(() => {
      unsubscribe(REQUEST_START_CHANNEL, onStart);
      unsubscribe(REQUEST_END_CHANNEL, onEnd);
    });
    const clock = new ManualClock();
    const o = observe(vault, { clock, namespace: 'team-a', retry: { maxRetries: 2 } });
    cleanups.push(() => o.client.close());
    await o.client.start();
    const read = o.client.read('secret/data/app');
    for (let i = 0; i < 100 && ends.length < 3; i++) await clock.advance(250);
    await read;

    const reads = starts.filter((s) => s.path === 'secret/data/app');
    expect(reads.map(({ attempt, method, namespace }) => ({ attempt, method, namespace }))).toEqual([
      { attempt: 0, method: 'GET', namespace: 'team-a' },
      { attempt: 1, method: 'GET', namespace: 'team-a' },
    ]);
    expect(reads[0]!.requestId).toBe(reads[1]!.requestId);
    const readEnds = ends.filter((e) => e.path === 'secret/data/app');
    expect(readEnds.map(({ status, outcome, errorCode }) => ({ status, outcome, errorCode }))).toEqual([
      { status: 503, outcome: 'error', errorCode: 'ERR_VAULT_SEALED' },
      { status: 200, outcome: 'ok', errorCode: undefined },
    ]);
    for (const end of ends) expect(end.durationMs).toBeGreaterThanOrEqual(0);
    const text = JSON.stringify([starts, ends]);
    expect(text).not.toContain('hvs.');
    expect(text).not.toContain('diag-secret-value');
  });
});

describe('contract C5: the skew between this clock and Vault`s', () => {
  it('is measured from the Date header of Vault`s answers: an hour ahead reads as an hour, to the second', async () => {
    vault = await startHostileVault();
    const ahead = new Date(Date.now() + 3_600_000).toUTCString();
    vault.route('secret/data/app', { ...reply.kv2({ a: 'b' }), headers: { date: ahead } });
    const closer = new AbortController();
    const transport = new Transport(
      resolveOptions({
        address: vault.address,
        auth: { method: 'token', token: 'hvs.x' },
        logLevel: 'silent',
      }),
      new Redactor(),
      closer.signal,
    );
    cleanups.push(() => transport.close());
    expect(transport.skewMs()).toBe(0);
    await transport.send({ method: 'GET', path: 'secret/data/app', kind: 'read', token: 'hvs.x' });
    expect(Math.abs(transport.skewMs() - 3_600_000)).toBeLessThanOrEqual(1_500);
  });

  it('narrows with each answer, and starts again when a clock is stepped', () => {
    const at = Date.parse('2026-01-01T00:00:00Z');
    // Vault 10.3 s ahead: answers stamped at whole seconds, requests 20 ms long.
    let state = initialSkew;
    for (let local = at; local < at + 5_000; local += 370) {
      const vaultNow = local + 10 + 10_300;
      state = observeSkew(
        state,
        new Date(Math.floor(vaultNow / 1000) * 1000).toUTCString(),
        local,
        local + 20,
      );
    }
    expect(Math.abs(skewEstimate(state) - 10_300)).toBeLessThanOrEqual(100);
    // The local clock steps back a minute: the old interval no longer fits, the estimate follows.
    const stepped = observeSkew(state, new Date(at + 10_300).toUTCString(), at - 60_000, at - 60_000 + 20);
    expect(Math.abs(skewEstimate(stepped) - 70_300)).toBeLessThanOrEqual(1_000);
    // No Date, or one that does not parse: nothing learnt.
    expect(observeSkew(state, undefined, at, at + 1)).toBe(state);
    expect(observeSkew(state, 'yesterday-ish', at, at + 1)).toBe(state);
  });
});
