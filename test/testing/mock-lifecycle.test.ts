import { Agent as HttpAgent, get as httpGet } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { Agent } from 'undici';
import { ManualClock, type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { call, login } from './support/vault';

const started: MockVault[] = [];
async function start(options?: Parameters<typeof startMockVault>[0]): Promise<MockVault> {
  const mock = await startMockVault(options);
  started.push(mock);
  return mock;
}
afterEach(async () => {
  // close() is idempotent, so mocks a test already closed are closed again harmlessly.
  await Promise.allSettled(started.splice(0).map((mock) => mock.close()));
});

const portOf = (mock: MockVault) => Number(new URL(mock.address).port);

describe('start and close', () => {
  it('runs twenty instances side by side, each answering on its own port', async () => {
    const mocks = await Promise.all(Array.from({ length: 20 }, () => start()));
    expect(new Set(mocks.map(portOf)).size).toBe(20);
    const replies = await Promise.all(
      mocks.map((mock) => call(mock, 'GET', 'sys/health', undefined, { token: null })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    // Each has its own state: a secret written to one is not in another.
    await call(mocks[0]!, 'POST', 'secret/data/only-here', { data: { a: 1 } });
    expect((await call(mocks[1]!, 'GET', 'secret/data/only-here')).status).toBe(404);
    await Promise.all(mocks.map((mock) => mock.close()));
  });

  it('frees its port on close', async () => {
    const mock = await start();
    const port = portOf(mock);
    await mock.close();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const again = await start({ port });
    expect(portOf(again)).toBe(port);
  });

  it('ends keep-alive sockets on close instead of waiting for them', async () => {
    const mock = await start();
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = httpGet(`${mock.address}/v1/sys/health`, { agent }, (res) => {
        res.resume();
        // Once the body is read, the agent takes the socket back into its free pool.
        res.on('end', () => setImmediate(() => resolve(req.socket as Socket)));
      });
      req.on('error', reject);
    });
    const socketClosed = new Promise<boolean>((resolve) => socket.once('close', () => resolve(true)));
    expect(socket.destroyed).toBe(false);
    expect(Object.values(agent.freeSockets).flat()).toContain(socket); // kept alive in the agent's pool
    await mock.close();
    expect(await socketClosed).toBe(true);
    agent.destroy();
  });

  it('starts with a random hvs. root token, or the one given', async () => {
    expect((await start()).rootToken).toMatch(/^hvs\./);
    const named = await start({ rootToken: 'root' });
    expect((await call(named, 'GET', 'auth/token/lookup-self', undefined, { token: 'root' })).status).toBe(
      200,
    );
  });
});

describe('TLS', () => {
  it('serves HTTPS from its own CA, with HSTS', async () => {
    const mock = await start({ tls: true });
    expect(mock.address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const dispatcher = new Agent({ connect: { ca: mock.tls!.caCertificate } });
    const res = await call(mock, 'GET', 'sys/health', undefined, { token: null, dispatcher });
    expect(res.status).toBe(200);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    const denied = await call(mock, 'GET', 'secret/data/x', undefined, { token: null, dispatcher });
    expect([denied.status, denied.headers.get('strict-transport-security')]).toEqual([
      403,
      'max-age=31536000; includeSubDomains',
    ]);
    await expect(fetch(`${mock.address}/v1/sys/health`)).rejects.toThrow();
    await dispatcher.close();
  });

  it('requires a client certificate under mTLS', async () => {
    const mock = await start({ tls: { requireClientCertificate: true } });
    const { certificate, privateKey } = mock.tls!.clientCertificate;
    const withCert = new Agent({
      connect: { ca: mock.tls!.caCertificate, cert: certificate, key: privateKey },
    });
    expect(
      (await call(mock, 'GET', 'sys/health', undefined, { token: null, dispatcher: withCert })).status,
    ).toBe(200);
    const without = new Agent({ connect: { ca: mock.tls!.caCertificate } });
    await expect(
      call(mock, 'GET', 'sys/health', undefined, { token: null, dispatcher: without }),
    ).rejects.toThrow();
    await Promise.all([withCert.close(), without.close()]);
  });
});

describe('strict mode', () => {
  it('records requests to unimplemented paths and fails close() listing them', async () => {
    const mock = await start({ strict: true });
    expect((await call(mock, 'GET', 'nope/thing')).status).toBe(404);
    expect((await call(mock, 'GET', 'sys/not-a-route')).status).toBe(404);
    expect((await call(mock, 'GET', 'secret/data/fine')).status).toBe(404); // implemented: a plain miss
    expect(mock.unhandledRequests()).toEqual(['GET nope/thing', 'GET sys/not-a-route']);
    await expect(mock.close()).rejects.toThrow(/GET nope\/thing[\s\S]*GET sys\/not-a-route/);
  });

  it('closes cleanly when every path was implemented', async () => {
    const mock = await start({ strict: true });
    await call(mock, 'GET', 'sys/health', undefined, { token: null });
    await expect(mock.close()).resolves.toBeUndefined();
  });
});

describe('audit log', () => {
  it('records method, path, status and accessor, never a token or JWT', async () => {
    const mock = await start();
    await mock.setupKubernetesAuth({ policies: ['default'] });
    const jwt = await mock.cluster.mintToken({ namespace: 'default', serviceAccount: 'myapp-sa' });
    const session = await login(mock, 'myapp-role', jwt);
    const token: string = session.body.auth.client_token;
    await call(mock, 'GET', 'auth/token/lookup-self', undefined, { token });
    await call(mock, 'GET', 'secret/data/x', undefined, { token });
    await call(mock, 'GET', 'secret/data/x', undefined, { token: 'hvs.not-a-token' });

    const entries = mock.audit.entries();
    expect(entries.map((e) => [e.method, e.path, e.status])).toEqual([
      ['POST', 'auth/kubernetes/login', 200],
      ['GET', 'auth/token/lookup-self', 200],
      ['GET', 'secret/data/x', 403],
      ['GET', 'secret/data/x', 403],
    ]);
    expect(entries[1]!.accessor).toBe(session.body.auth.accessor);
    expect(entries[2]).toMatchObject({
      accessor: session.body.auth.accessor,
      error: '1 error occurred:\n\t* permission denied\n\n',
      via: 'http',
    });
    expect(mock.audit.count({ via: 'helper' })).toBeGreaterThan(0); // setupKubernetesAuth
    const everything = JSON.stringify(mock.audit.entries({ via: 'any' }));
    for (const secret of [token, mock.rootToken, jwt, 'hvs.not-a-token'])
      expect(everything).not.toContain(secret);
    mock.audit.clear();
    expect(mock.audit.count({ via: 'any' })).toBe(0);
  });
});

describe('ManualClock', () => {
  it('fires timers in time order during advance, each at its own instant', async () => {
    const clock = new ManualClock(0);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['c', clock.now()]), 300);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 100);
    clock.setTimeout(() => fired.push(['b', clock.now()]), 200);
    const cleared = clock.setTimeout(() => fired.push(['x', clock.now()]), 150);
    clock.clearTimeout(cleared);
    expect(clock.pendingTimers()).toBe(3);
    await clock.advance(250);
    expect(fired).toEqual([
      ['a', 100],
      ['b', 200],
    ]);
    expect([clock.now(), clock.pendingTimers()]).toEqual([250, 1]);
    await clock.advanceTo(1000);
    expect(fired).toEqual([
      ['a', 100],
      ['b', 200],
      ['c', 300],
    ]);
    expect([clock.now(), clock.pendingTimers()]).toEqual([1000, 0]);
  });

  it('lets a timer’s real HTTP round trip finish before time moves on', async () => {
    const clock = new ManualClock(0);
    const mock = await start({ clock });
    const log: unknown[] = [];
    clock.setTimeout(async () => {
      const res = await call(mock, 'GET', 'sys/health', undefined, { token: null });
      log.push(['health', clock.now(), res.status, res.body.server_time_utc]);
    }, 1000);
    clock.setTimeout(() => log.push(['next', clock.now()]), 2000);
    await clock.advance(5000);
    expect(log).toEqual([
      ['health', 1000, 200, 1],
      ['next', 2000],
    ]);
  });

  it('does not stall on a task that sleeps on the clock, and keeps failures to the timer', async () => {
    const clock = new ManualClock(0);
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const log: [string, number][] = [];
    clock.setTimeout(async () => {
      log.push(['start', clock.now()]);
      await sleep(500);
      log.push(['woke', clock.now()]);
      await sleep(10_000);
      log.push(['late', clock.now()]);
    }, 100);
    clock.setTimeout(() => {
      throw new Error('a failing timer does not break advance');
    }, 50);
    await clock.advance(1000);
    expect(log).toEqual([
      ['start', 100],
      ['woke', 600],
    ]);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(10_000);
    expect(log.at(-1)).toEqual(['late', 10_600]);
  });
});
