import {
  type SecretRotatedEvent,
  VaultDeadlineError,
  VaultKubernetesClient,
  VaultTimeoutError,
} from 'vault-kubernetes-client';
import { ManualClock } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness';
import {
  kvAnswer,
  loginAnswer,
  type ScriptedVault,
  serviceAccountJwt,
  startScriptedVault,
} from './upkeep-server';

/*
 * Class 4: one fetch shared by many callers runs under the client's own lifetime and defaults;
 * each caller waits with its own signal and timeout, so one giving up never fails another. A
 * secret's identity is (namespace, path, body) everywhere.
 */

let h: Harness | undefined;
let vault: ScriptedVault | undefined;
afterEach(async () => {
  await h?.close();
  await vault?.close();
  h = undefined;
  vault = undefined;
});

const POLICY = [
  'path "database/creds/app" { capabilities = ["read"] }',
  'path "sys/leases/revoke" { capabilities = ["update"] }',
].join('\n');

/** A fetch that holds answers for `database/creds` until the test opens the gate (simulated latency: the clock may move meanwhile). */
function gatedFetch(clock: { hold<T>(until: Promise<T>): Promise<T> }) {
  let open!: () => void;
  let reached!: () => void;
  const gate = {
    opened: new Promise<void>((resolve) => {
      open = resolve;
    }),
    reached: new Promise<void>((resolve) => {
      reached = resolve;
    }),
    open: () => open(),
  };
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const response = await fetch(input, init);
    if (url.includes('database/creds')) {
      reached();
      await clock.hold(gate.opened);
    }
    return response;
  };
  return { gate, fetchImpl };
}

describe('class 4: callers of one fetch each wait on their own terms', () => {
  it("caller A's abort fails A alone: B, who joined the same fetch, gets the secret, and Vault saw one request", async () => {
    h = await createHarness({ policy: POLICY, database: {} });
    const { gate, fetchImpl } = gatedFetch(h.mock.clock);
    const client = h.client({ fetch: fetchImpl });
    await client.start();
    const a = new AbortController();
    const first = client.secret<undefined>('database/creds/app', { signal: a.signal });
    await gate.reached;
    const second = client.secret<undefined>('database/creds/app');
    a.abort(new Error('caller A gave up'));
    await expect(first).rejects.toThrow('caller A gave up');
    gate.open();
    const secret = await second;
    expect(secret.lease?.id).toBeTruthy();
    expect(h.mock.audit.count({ path: 'database/creds/app' })).toBe(1);
  });

  it("caller A's short timeoutMs fails A alone; the shared fetch keeps the client's own timeout", async () => {
    h = await createHarness({ policy: POLICY, database: {} });
    const { gate, fetchImpl } = gatedFetch(h.mock.clock);
    const client = h.client({ fetch: fetchImpl });
    await client.start();
    const first = client
      .secret<undefined>('database/creds/app', { timeoutMs: 50 })
      .catch((error: unknown) => error);
    await gate.reached;
    const second = client.secret<undefined>('database/creds/app');
    await h.mock.clock.advance(60);
    expect(await first).toBeInstanceOf(VaultTimeoutError);
    gate.open();
    const secret = await second;
    expect(secret.lease?.id).toBeTruthy();
    expect(h.mock.audit.count({ path: 'database/creds/app' })).toBe(1);
  });

  it('an abort before the fetch starts leaves no trace: the next caller starts and gets its own', async () => {
    h = await createHarness({ policy: POLICY, database: {} });
    const client = h.client();
    const a = new AbortController();
    a.abort(new Error('never mind'));
    await expect(client.secret('database/creds/app', { signal: a.signal })).rejects.toThrow('never mind');
    const secret = await client.secret<undefined>('database/creds/app');
    expect(secret.lease?.id).toBeTruthy();
  });
});

describe("class 4: a secret's identity is (namespace, path, body)", () => {
  /** A Vault whose answer names the namespace it was asked in. */
  async function namespacedVault() {
    vault = await startScriptedVault(({ path }) => {
      if (path.endsWith('/login')) return loginAnswer();
      return kvAnswer({ served: 'ok' });
    });
    // The answer depends on the request's namespace header: read it from the recorded request.
    const original = vault.answer;
    vault.answer = (request) => {
      const recorded = vault!.requests.at(-1)!;
      const ns = recorded.headers['x-vault-namespace'];
      if (request.path === 'kv/config')
        return kvAnswer({ namespace: ns ?? 'root', n: vault!.requests.length });
      return original(request);
    };
    const clock = new ManualClock();
    const client = new VaultKubernetesClient({
      address: vault.address,
      auth: { role: 'app', jwt: serviceAccountJwt() },
      clock,
      logLevel: 'silent',
      secrets: { pollIntervalMs: 3_600_000 },
    });
    return { client, clock };
  }

  const namespacesSent = () =>
    vault!.requests
      .filter((r) => r.path === 'kv/config')
      .map((r) => r.headers['x-vault-namespace'] ?? 'root');

  it('secret(): team-a and team-b are two secrets, each read in its own namespace', async () => {
    const { client } = await namespacedVault();
    const a = await client.secret('kv/config', { namespace: 'team-a' });
    const b = await client.secret('kv/config', { namespace: 'team-b' });
    const root = await client.secret('kv/config');
    expect([a.data.namespace, b.data.namespace, root.data.namespace]).toEqual(['team-a', 'team-b', 'root']);
    expect(namespacesSent()).toEqual(['team-a', 'team-b', 'root']);
    // Cached per identity: asking again sends nothing.
    expect((await client.secret('kv/config', { namespace: 'team-a' })).data.namespace).toBe('team-a');
    expect(namespacesSent()).toHaveLength(3);
    await client.close();
  });

  it('current(), rotate(), invalidate() and watch() honour the namespace; events carry it', async () => {
    const { client } = await namespacedVault();
    const rotated: SecretRotatedEvent[] = [];
    client.on('secret:rotated', (e) => rotated.push(e));
    await client.secret('kv/config', { namespace: 'team-a' });
    await client.secret('kv/config', { namespace: 'team-b' });
    expect(client.current('kv/config', { namespace: 'team-a' })?.data.namespace).toBe('team-a');
    expect(client.current('kv/config', { namespace: 'team-c' })).toBeUndefined();
    expect(client.current('kv/config')).toBeUndefined();

    const after = await client.rotate('kv/config', { namespace: 'team-b' });
    expect(after.data.namespace).toBe('team-b');
    expect(namespacesSent().at(-1)).toBe('team-b');
    expect(rotated.map((e) => [e.path, e.namespace])).toEqual([['kv/config', 'team-b']]);

    expect(client.invalidate('kv/config', { namespace: 'team-a' })).toBe(true);
    expect(client.current('kv/config', { namespace: 'team-a' })).toBeUndefined();
    expect(client.current('kv/config', { namespace: 'team-b' })?.data.namespace).toBe('team-b');

    const seen: unknown[] = [];
    const stop = client.watch(
      'kv/config',
      (s) => {
        seen.push(s.data.namespace);
      },
      { namespace: 'team-c' },
    );
    await stop.ready;
    expect(seen).toEqual(['team-c']);
    expect(namespacesSent().at(-1)).toBe('team-c');
    stop();
    await client.close();
  });

  it('the same path with two bodies is two secrets', async () => {
    vault = await startScriptedVault(({ path, body }) => {
      if (path.endsWith('/login')) return loginAnswer();
      return kvAnswer({ asked: JSON.parse(body || '{}').common_name });
    });
    const client = new VaultKubernetesClient({
      address: vault.address,
      auth: { role: 'app', jwt: serviceAccountJwt() },
      clock: new ManualClock(),
      logLevel: 'silent',
    });
    const a = await client.secret('pki/issue/web', { body: { common_name: 'a.example.com' } });
    const b = await client.secret('pki/issue/web', { body: { common_name: 'b.example.com' } });
    expect([a.data.asked, b.data.asked]).toEqual(['a.example.com', 'b.example.com']);
    expect(client.current('pki/issue/web', { body: { common_name: 'a.example.com' } })?.data.asked).toBe(
      'a.example.com',
    );
    expect(client.current('pki/issue/web')).toBeUndefined();
    await client.close();
  });
});

describe('C5: one deadline from call entry, through the wait for a login', () => {
  it('a read that waits on a slow login fails with VaultDeadlineError at timeouts.totalMs; the login itself goes on', async () => {
    h = await createHarness({ policy: POLICY, database: {} });
    const clock = h.mock.clock;
    let release!: () => void;
    const slowLogin = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached!: () => void;
    const atVault = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const client = h.client({
      timeouts: { totalMs: 5_000 },
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const url = input instanceof Request ? input.url : String(input);
        if (url.endsWith('/login')) {
          reached();
          await clock.hold(slowLogin);
        }
        return response;
      },
    });
    const starting = client.start().catch((error: unknown) => error);
    await atVault;
    const reading = client.read('database/creds/app').catch((error: unknown) => error);
    await clock.advance(5_000);
    const error = await reading;
    expect(error).toBeInstanceOf(VaultDeadlineError);
    expect((error as VaultDeadlineError).totalMs).toBe(5_000);
    expect(await starting).toBeInstanceOf(VaultDeadlineError);
    // The shared login was not cut short by the callers giving up: it lands, and serves the next call.
    release();
    await clock.settle();
    await expect(client.read('database/creds/app')).resolves.toBeTruthy();
    expect(h.mock.audit.count({ path: 'auth/kubernetes/login' })).toBe(1);
  });
});
