import { channel } from 'node:diagnostics_channel';
import { VaultKubernetesClient } from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { REQUEST_END, REQUEST_START } from '../../src/telemetry/channels';
import { routeTemplate } from '../../src/telemetry/route-template';
import { createHarness, type Harness } from '../helpers/harness';
import { registerSdk } from './sdk';

let h: Harness | undefined;
let sdk: ReturnType<typeof registerSdk> | undefined;
afterEach(async () => {
  await h?.close();
  await sdk?.stop();
  h = undefined;
  sdk = undefined;
});

const subscribed = () => channel(REQUEST_START).hasSubscribers || channel(REQUEST_END).hasSubscribers;

describe('telemetry: route templates', () => {
  it('keeps only Vault words: every name, role, key and lease id becomes a placeholder', () => {
    const cases: [string, string][] = [
      ['secret/data/myapp/config', '{mount}/data/{name}'],
      ['kv/team-a/metadata/app/db', '{mount}/metadata/{name}'],
      ['database/creds/readonly', '{mount}/creds/{role}'],
      ['database/static-creds/app', '{mount}/static-creds/{role}'],
      ['pki/issue/web', '{mount}/issue/{role}'],
      ['transit/encrypt/orders', '{mount}/encrypt/{key}'],
      ['auth/kubernetes/login', 'auth/{mount}/login'],
      ['auth/k8s-east/role/app', 'auth/{mount}/{path}'],
      ['auth/token/lookup-self', 'auth/token/lookup-self'],
      ['auth/token/lookup/hvs.abcdefghijklmnopqrstuvwx', 'auth/token/lookup/{name}'],
      ['sys/leases/renew', 'sys/leases/renew'],
      ['sys/leases/revoke/database/creds/app/AbC123', 'sys/leases/revoke/{lease_id}'],
      ['sys/leases/revoke-prefix/database/', 'sys/leases/revoke-prefix/{lease_id}'],
      ['sys/health', 'sys/health'],
      ['sys/some/thing', 'sys/{path}'],
      ['cubbyhole/my-secret', '{mount}/{path}'],
      ['secret/', '{mount}'],
    ];
    for (const [path, template] of cases) expect([path, routeTemplate(path)]).toEqual([path, template]);
  });
});

describe('telemetry: when it is off', () => {
  it('without a registered SDK the client subscribes to nothing, so the transport builds no messages', async () => {
    h = await createHarness();
    const client = h.client();
    await client.secret('secret/data/myapp/config');
    expect(subscribed()).toBe(false);
  });

  it('`telemetry: false` records nothing even with an SDK registered', async () => {
    sdk = registerSdk();
    h = await createHarness();
    const client = h.client({ telemetry: false });
    await client.secret('secret/data/myapp/config');
    expect(subscribed()).toBe(false);
    expect(sdk.spans()).toEqual([]);
    expect(await sdk.points('vault.client.logins')).toEqual([]);
  });

  it('the subscription ends with the last client that used it', async () => {
    sdk = registerSdk();
    h = await createHarness();
    const a = h.client();
    const b = h.client();
    expect(subscribed()).toBe(true);
    await a.close();
    expect(subscribed()).toBe(true);
    await b.close();
    expect(subscribed()).toBe(false);
  });
});

describe('telemetry: what it records', () => {
  it('lease renewals, rotations by reason, errors by code and phase; an unheard error is still logged', async () => {
    sdk = registerSdk();
    h = await createHarness({
      database: { ttl: '1h', maxTtl: '4h' },
      policy:
        'path "database/creds/app" { capabilities = ["read"] }\npath "secret/data/myapp/*" { capabilities = ["read"] }',
    });
    // Built directly rather than through the harness, which listens to every event: here nobody
    // listens for `error`, so the client must still log it although telemetry observes it.
    const logged: string[] = [];
    const client = new VaultKubernetesClient({
      address: h.mock.address,
      auth: { role: 'myapp-role', tokenPath: h.tokenPath },
      clock: h.mock.clock,
      logger: { debug() {}, info() {}, warn() {}, error: (_fields, message) => logged.push(message) },
    });
    await client.secret('database/creds/app');
    await h.mock.clock.advance(50 * 60_000);
    expect(await sdk.points('vault.client.lease.renewals')).toEqual([
      { attributes: { 'vault.outcome': 'ok' }, value: 1 },
    ]);
    await client.rotate('database/creds/app');
    expect(await sdk.points('vault.client.secret.rotations')).toEqual([
      { attributes: { 'vault.rotation.reason': 'manual' }, value: 1 },
    ]);
    // A background failure nobody listens for: counted, and (the observer being no listener) logged.
    h.mock.faults.failNext({ path: 'sys/leases/renew', status: 500, times: 10 });
    await h.mock.clock.advance(50 * 60_000);
    const errors = await sdk.points('vault.client.errors');
    expect(errors).toEqual(
      expect.arrayContaining([
        {
          attributes: { 'error.type': 'ERR_VAULT_SERVER', 'vault.phase': 'lease-renew' },
          value: expect.any(Number),
        },
      ]),
    );
    expect(logged.some((message) => /sys\/leases\/renew/.test(message))).toBe(true);
    await client.close();
  });

  it('a failed login counts as a login failure with its code, and no span or metric carries a path or a credential', async () => {
    sdk = registerSdk();
    h = await createHarness();
    const client = h.client({ auth: { role: 'no-such-role', tokenPath: h.tokenPath } });
    await expect(client.start()).rejects.toThrow();
    expect(await sdk.points('vault.client.login.failures')).toEqual([
      { attributes: { 'error.type': 'ERR_VAULT_LOGIN' }, value: 1 },
    ]);
    const recorded = JSON.stringify([
      sdk.spans().map((s) => [s.name, s.attributes]),
      await sdk.points('vault.client.request.duration'),
    ]);
    expect(recorded).toContain('auth/{mount}/login');
    expect(recorded).not.toContain('kubernetes');
    for (const secret of h.secretsSent) expect(recorded).not.toContain(secret);
  });
});

describe("telemetry: spans in the caller's trace", () => {
  it("a Vault call's span is a child of the span active where the app made the call", async () => {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const { context, ROOT_CONTEXT, trace } = await import('@opentelemetry/api');
    // The smallest context manager (what @opentelemetry/context-async-hooks does), to carry the parent.
    const storage = new AsyncLocalStorage<import('@opentelemetry/api').Context>();
    context.setGlobalContextManager({
      active: () => storage.getStore() ?? ROOT_CONTEXT,
      with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.call(thisArg, ...args)),
      bind: (_ctx, target) => target,
      enable() {
        return this;
      },
      disable() {
        return this;
      },
    });
    try {
      sdk = registerSdk();
      h = await createHarness();
      const client = h.client();
      const tracer = trace.getTracer('app');
      let parentId = '';
      await tracer.startActiveSpan('GET /orders', async (parent) => {
        parentId = parent.spanContext().spanId;
        await client.secret('secret/data/myapp/config');
        parent.end();
      });
      const read = sdk.spans().find((s) => s.name === 'GET {mount}/data/{name}');
      expect(read?.parentSpanContext?.spanId).toBe(parentId);
      expect(read?.kind).toBe(2); // SpanKind.CLIENT
    } finally {
      context.disable();
    }
  });
});

describe('telemetry: one span per attempt', () => {
  it('a retried call has a span per attempt; the retry carries http.request.resend_count and the first the error', async () => {
    sdk = registerSdk();
    h = await createHarness();
    const client = h.client();
    await client.start();
    h.mock.faults.failNext({ path: 'secret/data/myapp/config', status: 502 });
    const reading = client.read('secret/data/myapp/config');
    // The retry waits its backoff on the test clock.
    await h.mock.clock.advance(10_000);
    await reading;
    const reads = sdk.spans().filter((s) => s.name === 'GET {mount}/data/{name}');
    expect(
      reads.map((s) => [
        s.attributes['http.response.status_code'],
        s.attributes['http.request.resend_count'],
        s.status.code,
      ]),
    ).toEqual([
      [502, undefined, 2],
      [200, 1, 0],
    ]);
    expect(reads[0]!.attributes['error.type']).toBe('ERR_VAULT_SERVER');
  });
});
