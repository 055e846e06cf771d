import { inspect } from 'node:util';
import {
  ClientClosedError,
  type ErrorEvent,
  ListenerError,
  type VaultKubernetesClient,
} from 'vault-kubernetes-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { APP_POLICY, createHarness, type Harness, MINUTE } from '../helpers/harness';

/*
 * Class 10 (listener isolation), 13 (on/off), 11 (after close) and the "printed twice" item of
 * class 9, against the mock Vault.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  vi.restoreAllMocks();
});

/** Values a listener may throw that cannot become a string, or whose message quotes a secret. */
const HOSTILE_THROWS: [string, () => unknown][] = [
  ['Object.create(null)', () => Object.create(null)],
  [
    'a Proxy that throws on every access',
    () =>
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('trap');
          },
        },
      ),
  ],
  [
    'an object whose toString throws',
    () => ({
      toString: () => {
        throw new Error('no');
      },
    }),
  ],
  ['a Symbol', () => Symbol('s')],
  ['an Error quoting a password', () => new Error('pool refused password=hunter2-very-secret')],
];

function listenerErrors(client: VaultKubernetesClient): ErrorEvent[] {
  const seen: ErrorEvent[] = [];
  client.on('error', (event) => {
    if (event.phase === 'listener') seen.push(event);
  });
  return seen;
}

describe('class 10: a listener that throws anything never breaks the client', () => {
  for (const [what, make] of HOSTILE_THROWS) {
    it(`an auth:login listener throwing ${what}: start() resolves, an error event names what threw, never its message`, async () => {
      h = await createHarness({ policy: APP_POLICY });
      const client = h.client();
      const seen = listenerErrors(client);
      client.on('auth:login', () => {
        throw make();
      });
      await client.start();
      expect(seen).toHaveLength(1);
      const error = seen[0]!.error;
      expect(error).toBeInstanceOf(ListenerError);
      expect(error.message).toMatch(/'auth:login' listener threw/);
      expect(error.message).not.toContain('hunter2');
      expect(JSON.stringify(error)).not.toContain('hunter2');
      // Printable whatever was thrown.
      expect(() => inspect(seen[0])).not.toThrow();
    });

    it(`a watch listener throwing ${what}: ready resolves, rotate() works, an error event names the path`, async () => {
      h = await createHarness({ policy: APP_POLICY, database: {} });
      const client = h.client();
      const seen = listenerErrors(client);
      const stop = client.watch('database/creds/app', () => {
        throw make();
      });
      await expect(stop.ready).resolves.toBeTruthy();
      await expect(client.rotate('database/creds/app')).resolves.toBeTruthy();
      expect(seen.length).toBeGreaterThanOrEqual(2);
      for (const event of seen) {
        expect(event.path).toBe('database/creds/app');
        expect(event.error.message).toContain('database/creds/app');
        expect(event.error.message).not.toContain('hunter2');
      }
      stop();
    });
  }

  it('a watch listener whose promise rejects with Object.create(null) is reported too', async () => {
    h = await createHarness({ policy: APP_POLICY, database: {} });
    const client = h.client();
    const seen = listenerErrors(client);
    const stop = client.watch('database/creds/app', () => Promise.reject(Object.create(null)));
    await stop.ready;
    await h.mock.clock.settle();
    expect(seen).toHaveLength(1);
    stop();
  });

  it("an 'error' listener that throws an unprintable value is logged, and the client goes on", async () => {
    h = await createHarness({ policy: APP_POLICY });
    const client = h.client();
    client.on('auth:login', () => {
      throw new Error('first');
    });
    client.on('error', () => {
      throw Object.create(null);
    });
    await client.start();
    await client.read('secret/data/myapp/config');
    expect(h.logs.some((l) => l.level === 'error' && l.message.includes("an 'error' listener threw"))).toBe(
      true,
    );
  });
});

describe('class 13: on() twice and off() leave nothing behind', () => {
  it('the same listener registered twice is removed by one off(), for on and once alike', async () => {
    h = await createHarness({ policy: APP_POLICY, role: { token_ttl: '1h', token_max_ttl: '2h' } });
    const client = h.client({ token: { jitter: 0 } });
    let calls = 0;
    const listener = () => {
      calls += 1;
    };
    client.on('auth:renewed', listener).on('auth:renewed', listener).once('auth:renewed', listener);
    client.off('auth:renewed', listener);
    await client.start();
    await h.mock.clock.advance(90 * MINUTE);
    expect(h.events.filter((e) => e.name === 'auth:renewed').length).toBeGreaterThan(0);
    expect(calls).toBe(0);
  });

  it('once() fires once and leaves nothing behind; off() of a listener never added is harmless', async () => {
    h = await createHarness({ policy: APP_POLICY, role: { token_ttl: '1h', token_max_ttl: '4h' } });
    const client = h.client({ token: { jitter: 0 } });
    let calls = 0;
    const listener = () => {
      calls += 1;
    };
    client.once('auth:renewed', listener);
    client.off('auth:login', listener);
    await client.start();
    await h.mock.clock.advance(2 * 60 * MINUTE);
    expect(h.events.filter((e) => e.name === 'auth:renewed').length).toBeGreaterThan(1);
    expect(calls).toBe(1);
  });
});

describe('class 11: after close()', () => {
  it('every method throws (or rejects with) ClientClosedError; off(), close() and closed stay usable', async () => {
    h = await createHarness({ policy: APP_POLICY });
    const client = h.client();
    await client.secret('secret/data/myapp/config');
    await client.close();
    const listener = () => undefined;
    const sync: [string, () => unknown][] = [
      ['current', () => client.current('secret/data/myapp/config')],
      ['watch', () => client.watch('secret/data/myapp/config', listener)],
      ['invalidate', () => client.invalidate('secret/data/myapp/config')],
      ['tokenInfo', () => client.tokenInfo()],
      ['on', () => client.on('error', listener)],
      ['once', () => client.once('error', listener)],
    ];
    for (const [name, call] of sync) expect(call, name).toThrow(ClientClosedError);
    const calls: [string, () => Promise<unknown>][] = [
      ['start', () => client.start()],
      ['secret', () => client.secret('secret/data/myapp/config')],
      ['rotate', () => client.rotate('secret/data/myapp/config')],
      ['read', () => client.read('secret/data/myapp/config')],
      ['write', () => client.write('secret/data/myapp/config', {})],
      ['list', () => client.list('secret/metadata/myapp/')],
      ['delete', () => client.delete('secret/data/myapp/config')],
      ['request', () => client.request({ method: 'GET', path: 'secret/data/myapp/config' })],
    ];
    for (const [name, call] of calls) {
      let outcome: unknown;
      try {
        outcome = await call();
      } catch (error) {
        outcome = error;
      }
      expect(outcome, name).toBeInstanceOf(ClientClosedError);
    }
    expect(client.off('error', listener)).toBe(client);
    await expect(client.close()).resolves.toBeUndefined();
    expect(client.closed).toBe(true);
  });
});

describe('class 9: a start-up failure reaches the caller once', () => {
  it('a failed start() that the caller receives is not also printed by the default logger; a background failure is', async () => {
    h = await createHarness({ policy: APP_POLICY });
    // The default logger writes one line per entry to stderr.
    const printed: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      printed.push(String(chunk));
      return true;
    });
    const { VaultKubernetesClient } = await import('vault-kubernetes-client');
    const client = new VaultKubernetesClient({
      address: h.mock.address,
      auth: { role: 'myapp-role', tokenPath: h.tokenPath },
      clock: h.mock.clock,
      retry: { maxRetries: 0 },
    });
    h.mock.seal();
    const error = await client.start().catch((e: unknown) => e);
    expect((error as Error).name).toBe('VaultSealedError');
    expect(printed.filter((line) => line.includes((error as Error).message))).toEqual([]);
    // Nobody waits on the login retried in the background: its failure is printed, once.
    await h.mock.clock.advance(2_000);
    expect(printed.filter((line) => line.includes('Vault is sealed'))).toHaveLength(1);
    await client.close();
  });
});
