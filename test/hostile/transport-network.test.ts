import {
  VaultConnectionError,
  VaultKubernetesClient,
  VaultResponseError,
  VaultTlsError,
} from 'vault-kubernetes-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closedPort, type HostileVault, reply, startHostileVault } from './server';
import { observe } from './transport-support';

const vaults: HostileVault[] = [];
const clients: VaultKubernetesClient[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(vaults.splice(0).map((v) => v.close()));
});

async function hostile(options: { tls?: boolean } = {}): Promise<HostileVault> {
  const v = await startHostileVault(options);
  v.route('auth/token/lookup-self', reply.lookupSelf());
  vaults.push(v);
  return v;
}

async function failure(
  address: string,
  options: Record<string, unknown> = {},
): Promise<VaultConnectionError> {
  const client = new VaultKubernetesClient({
    address,
    auth: { method: 'token', token: 'hvs.CAESIJlU-static-token-for-hostile-tests-0001' },
    logLevel: 'silent',
    retry: { maxRetries: 0 },
    timeouts: { requestMs: 5_000 },
    ...options,
  });
  clients.push(client);
  const error = await client.read('secret/data/app').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as VaultConnectionError;
}

/** What every network failure must carry: a hint that says what to check, and its cause. */
function expectHintAndCause(error: VaultConnectionError | VaultResponseError): void {
  expect(error.message).toMatch(/check|set |write |drop /);
  expect(error.message).not.toMatch(/UNKNOWN\)/);
  if (error instanceof VaultConnectionError) expect(error.cause).toBeInstanceOf(Error);
}

describe('class 9: a network failure says what it is and what to check, and keeps its cause', () => {
  it('a refused port: nothing listens there', async () => {
    const error = await failure(`http://127.0.0.1:${await closedPort()}`);
    expect(error).toBeInstanceOf(VaultConnectionError);
    expect(error.causeCode).toBe('ECONNREFUSED');
    expect(error.message).toMatch(
      /refused the connection \(ECONNREFUSED\): nothing listens on that host and port/,
    );
    expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
    expectHintAndCause(error);
  });

  it('http:// against a TLS listener (Node-style: the connection is dropped): check http vs https', async () => {
    const v = await hostile({ tls: true });
    const error = await failure(v.address.replace('https:', 'http:'));
    expect(error).toBeInstanceOf(VaultConnectionError);
    expect(error.message).toMatch(/closed the connection before answering.*check http vs https/);
    expectHintAndCause(error);
  });

  it('http:// against Vault`s own TLS listener (Go answers 400 in plain text): check http vs https', async () => {
    const v = await hostile();
    v.onConnection((socket) =>
      socket.once('data', () =>
        socket.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n'),
      ),
    );
    const error = (await failure(v.address)) as unknown as VaultResponseError;
    expect(error).toBeInstanceOf(VaultResponseError);
    expect(error.message).toMatch(/speaks HTTPS on that port: check http vs https/);
    expectHintAndCause(error);
  });

  it('https:// against a plain-HTTP listener: a TLS error that says check http vs https', async () => {
    const v = await hostile();
    const error = await failure(v.address.replace('http:', 'https:'));
    expect(error).toBeInstanceOf(VaultTlsError);
    expect(error.message).toMatch(/does not speak TLS on that port.*check http vs https/);
    expectHintAndCause(error);
  });

  it('a port where something else answers (an SSH banner): not HTTP, check the port', async () => {
    const v = await hostile();
    v.onConnection((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    const error = await failure(v.address);
    expect(error.message).toMatch(
      /answered with something that is not HTTP.*check http vs https and the port/,
    );
    expectHintAndCause(error);
  });

  it('a server that hangs up without a word: closed before answering, with what to check', async () => {
    const v = await hostile();
    v.onConnection((socket) => socket.destroy());
    const error = await failure(v.address);
    expect(error.message).toMatch(/closed the connection before answering \(\w+\): check http vs https/);
    expectHintAndCause(error);
  });

  it('a host name that does not resolve: could not be found, check the spelling and DNS', async () => {
    const error = await failure('http://vault.does-not-exist.invalid:8200');
    expect(error.message).toMatch(/could not be found \((ENOTFOUND|EAI_AGAIN)\).*DNS/);
    expectHintAndCause(error);
  });

  it('a port the Fetch standard blocks: with an app `fetch` it is named ("bad port"); the client`s own transport connects', async () => {
    const blocked = await failure('http://127.0.0.1:6000', { fetch: globalThis.fetch });
    expect(blocked.message).toMatch(
      /refuses port 6000 \(one of the ports the Fetch standard blocks, "bad port"\).*drop the `fetch` option/,
    );
    expectHintAndCause(blocked);
    // Without the option nothing is blocked: a Vault on such a port is reached (on the first of them that is free).
    for (const port of [6665, 6666, 6667, 6668, 6669, 6697, 10080]) {
      const v = await startHostileVault({ port }).catch(() => undefined);
      if (!v) continue;
      vaults.push(v);
      v.route('auth/token/lookup-self', reply.lookupSelf());
      v.route('secret/data/app', reply.kv2({ a: 'b' }));
      const o = observe(v);
      clients.push(o.client);
      expect((await o.client.read('secret/data/app')).data).toHaveProperty('data.a', 'b');
      return;
    }
  });
});

describe('class 12: one HTTP stack for TLS and I/O, the client`s own (Node`s http/https, no second undici)', () => {
  it('calls go through the client`s own agent: the global fetch (Node`s bundled undici) is never used', async () => {
    const v = await hostile();
    v.route('secret/data/app', reply.kv2({ a: 'b' }));
    const spy = vi
      .spyOn(globalThis, 'fetch')
      .mockRejectedValue(new Error('the global fetch must not be used'));
    const o = observe(v);
    clients.push(o.client);
    expect((await o.client.read('secret/data/app')).data).toEqual({
      data: { a: 'b' },
      metadata: expect.any(Object),
    });
    expect(spy).not.toHaveBeenCalled();
    // Node's fetch announces itself as "node"; Node's http client sends no user agent.
    expect(v.requests.map((r) => r.headers['user-agent'])).not.toContain('node');
  });

  it('close() ends every connection the client opened, busy ones included, and nothing reconnects', async () => {
    const v = await hostile();
    v.route('secret/data/app', reply.kv2({ a: 'b' }));
    v.route('secret/data/stall', { stall: 'before-headers' });
    const o = observe(v);
    await Promise.all(Array.from({ length: 4 }, () => o.client.read('secret/data/app')));
    const stalled = o.client.read('secret/data/stall').catch((e: unknown) => e);
    await v.waitForRequests(6);
    expect(v.connections().open).toBeGreaterThanOrEqual(2);
    await o.client.close();
    expect(await stalled).toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    await v.waitForOpenConnections(0);
    const accepted = v.connections().accepted;
    // A reconnecting pool would open a connection again after close(); the server would see it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(v.connections().accepted).toBe(accepted);
  });

  it('an app `fetch` is never handed a dispatcher of another undici; with TLS options it is refused at construction', async () => {
    const v = await hostile();
    v.route('secret/data/app', reply.kv2({ a: 'b' }));
    const seen: unknown[] = [];
    const appFetch: typeof fetch = (input, init) => {
      seen.push(init);
      return fetch(input, init);
    };
    const o = observe(v, { fetch: appFetch });
    clients.push(o.client);
    await o.client.read('secret/data/app');
    expect(seen.length).toBeGreaterThan(0);
    for (const init of seen) expect(init).not.toHaveProperty('dispatcher');
    expect(
      () =>
        new VaultKubernetesClient({
          address: v.address,
          auth: { method: 'token', token: 'hvs.x' },
          fetch: appFetch,
          tls: { caCert: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----' },
        }),
    ).toThrow(/`fetch` option cannot be combined with TLS options/);
  });
});
